/**
 * The public types of `lethe-sync`: engine options, the engine, its events and its state.
 * Everything observable here is plain, public data: counters, ids, reasons, names. No key
 * bytes, no pairing code (host() returns the code to the caller, and only there).
 */
import type { Observable } from "rxjs";
import type { InspectionEvent, Observer } from "xstate";
import type * as Y from "yjs";
import type { Awareness } from "y-protocols/awareness";
import type { Clock } from "../clock.js";
import type { Aead, KeyAgreement } from "../adapters/crypto/index.js";
import type { Components } from "../adapters/components.js";
import type { Crdt, Presence } from "../adapters/crdt/types.js";
import type { Discovery } from "../adapters/discovery/types.js";
import type { Signaling } from "../adapters/signaling/types.js";
import type { SelectedPath, Transport } from "../adapters/transport/types.js";
import type { PathRoute } from "../adapters/transport/path.js";
import type { EndReason, Role, Timings } from "../machines/protocol.js";

/** Every duration of the engine (the machines' timings; kept as its own name for host apps). */
export type EngineTimings = Timings;

/** An adapter, or a factory the engine completes with its clock and random source. */
export type AdapterOption<T extends object> = T | ((components: Components) => T);

export interface SyncEngineOptions {
  readonly transport: AdapterOption<Transport>;
  readonly signaling: AdapterOption<Signaling>;
  /**
   * With discovery, the host advertises its nameplate while pairing (withdrawn at PAKE_OK or the
   * end). Finding it is the signaling adapter's business (a LAN signaling adapter browses with it).
   */
  readonly discovery?: AdapterOption<Discovery>;
  /** What the host advertises (a LAN signaling adapter supplies its real endpoint). */
  readonly advertise?: { readonly address: string; readonly port: number };
  /** SPAKE2 identity (the app id); default "lethe/v1". Both devices must use the same. */
  readonly identity?: string | Uint8Array;
  readonly timings?: Partial<EngineTimings>;
  /** Passed to xstate's createActor (e.g. @statelyai/inspect's `inspector.inspect`). */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /**
   * Drives every lifecycle delay (XState's clock) and is handed to adapter factories; default
   * the wall clock. Tests pass `TestClock` from lethe-sync/testing.
   */
  readonly clock?: Clock;
  /**
   * Strict verification (magic-wormhole's `--verify`): after pairing, no document data flows
   * until the person has compared the words (`verification`) and called `confirmVerification()`
   * on both devices. Default false (the words are still shown).
   */
  readonly verify?: boolean;
  /** AEAD backend; default @noble/ciphers (the Node entry defaults to `nodeAead`). */
  readonly aead?: Aead;
  /**
   * X25519 backend of the key ratchet; default @noble/curves (the Node entry defaults to
   * `nodeX25519`, whose private keys never enter JavaScript memory; docs/threat-model.md).
   */
  readonly keyAgreement?: KeyAgreement;
  /** Shown to the other device through awareness; default "device". */
  readonly deviceName?: string;
  /** Words in a pairing code (default 2). */
  readonly codeWords?: number;
  /** Bytes at which outbound messages are flushed into a frame without waiting (default 16 KiB). */
  readonly coalesceBytes?: number;
  /**
   * Randomness for the pairing code, the SPAKE2 scalar and the rotation ephemerals; default the
   * platform CSPRNG. Tests pass a seeded source so a failing run replays exactly. Never in
   * production: whoever knows the seed knows the keys.
   */
  readonly random?: (n: number) => Uint8Array;
  /** A CRDT binding (default: a fresh Yjs binding). */
  readonly crdt?: Crdt;
  /** Close the adapters given here when the session ends (default true: the engine is one session). */
  readonly closeAdapters?: boolean;
}

export type EngineStatus = "idle" | "pairing" | "connecting" | "connected" | "reconnecting" | "ended";

/** The short authentication string and where strict verification stands. Public words, no key bytes. */
export interface Verification {
  /** Four PGP words, identical on both devices unless someone is in the middle. */
  readonly words: readonly string[];
  /** Whether sync waits for both confirmations (the `verify` option). */
  readonly strict: boolean;
  readonly confirmedHere: boolean;
  readonly confirmedByPeer: boolean;
}

/** The value and public context numbers of one actor. */
export interface ActorView {
  readonly value: unknown;
  readonly status: string;
  readonly context: Readonly<Record<string, string | number | boolean | null>>;
}

/** A plain, secret-free picture of the whole engine. */
export interface EngineState {
  readonly status: EngineStatus;
  readonly role: Role | null;
  readonly nameplate: string | null;
  readonly endReason: EndReason | null;
  /** session plus each live child (pairing, connection, keyRotation, deadMan, expiry). */
  readonly actors: Readonly<Record<string, ActorView>>;
  readonly channel: { readonly id: string; readonly state: string; readonly bufferedAmount: number } | null;
  /**
   * The open channel's path: ICE candidate types (host / srflx / prflx / relay) and protocol, no
   * addresses; `route` says it in a word: `direct`, `relayed` (via TURN), `memory`, `unknown`.
   */
  readonly path: (SelectedPath & { readonly route: PathRoute }) | null;
  /** Verification words once paired (and strict mode's progress); null before. */
  readonly verification: Verification | null;
  /** Whether document data may flow (false before pairing, and while strict verification waits). */
  readonly syncing: boolean;
  /** The epoch we send under; null before pairing. */
  readonly epoch: number | null;
  /** Milliseconds until each deadline, on the engine's clock; null when not running. */
  readonly countdowns: {
    readonly inactivityMs: number | null;
    readonly expiryMs: number | null;
    readonly rotationMs: number | null;
  };
  readonly peers: ReadonlyArray<Presence>;
  readonly counters: Readonly<Record<string, number>>;
  /** Live key buffers by label (count only). */
  readonly keys: Readonly<Record<string, number>>;
}

export type EngineEvent =
  | { readonly type: "hosting"; readonly nameplate: string }
  | { readonly type: "joining"; readonly nameplate: string }
  | { readonly type: "peerJoined" }
  | { readonly type: "paired" }
  /** The verification words (also in state); compare them with the other device. */
  | { readonly type: "verification"; readonly words: readonly string[] }
  /** A sync round with the peer completed: this device has everything the peer had at its start. */
  | { readonly type: "synced" }
  | { readonly type: "connected"; readonly channelId: string }
  /** The open channel's path, when it opens and whenever it changes. */
  | { readonly type: "path"; readonly path: SelectedPath; readonly route: PathRoute }
  | { readonly type: "disconnected"; readonly reason: string }
  | { readonly type: "rotated"; readonly epoch: number }
  | { readonly type: "presence"; readonly peers: ReadonlyArray<Presence> }
  /**
   * A typed, counted failure; `fatal` ones end the session. `hint`: what to do about it, for the
   * few errors that carry one (a fixed public text, e.g. NoPathError's "…a TURN server is needed").
   */
  | {
      readonly type: "error";
      readonly name: string;
      readonly source: string;
      readonly count: number;
      readonly fatal: boolean;
      readonly hint?: string;
    }
  | { readonly type: "ended"; readonly reason: EndReason };

export interface SyncEngine {
  /** The ephemeral Y.Doc (destroyed when the session ends). */
  readonly doc: Y.Doc;
  /** The y-protocols Awareness beside the doc (cleared and destroyed at the end). */
  readonly awareness: Awareness;
  readonly state$: Observable<EngineState>;
  readonly events$: Observable<EngineEvent>;
  /** Claim a nameplate and make a code; resolves as soon as the code exists. */
  host(): Promise<{ readonly code: string }>;
  /**
   * Pair with a code shown on the other device; resolves when connected (the first channel is
   * open; `whenSynced()` for the peer's state). WrongCodeError on a wrong code.
   */
  join(code: string): Promise<void>;
  /** End now and wipe. Resolves when ended. Idempotent. */
  end(): Promise<void>;
  /** Start a key rotation now. */
  rotateNow(): void;
  /** Say what this device is doing (shown to the peer). */
  setPresence(doing: string): void;
  /** The current state (same as the latest state$ value, with fresh countdowns). */
  snapshot(): EngineState;
  /** Resolves with the reason once the session ended and its adapters closed (a BYE sent was delivered). */
  readonly ended: Promise<EndReason>;
  /** The verification words once paired (null before); the same as state's `verification.words`. */
  readonly verification: readonly string[] | null;
  /** Strict verification: the person compared the words and they match. */
  confirmVerification(): void;
  /** The words differ: end now (reason `verificationRejected`), with the usual wipe. Resolves when ended. */
  rejectVerification(): Promise<void>;
  /**
   * Resolves when the first sync round with the peer has completed (the `synced` event): this
   * device then holds everything the other had when the round began. Rejects if the session ends first.
   */
  whenSynced(): Promise<void>;
  /**
   * Counts as activity for the dead-man's switch on both devices, without changing the document
   * (for a host app whose shared state legitimately stays still, e.g. a recording in progress).
   * It is a small awareness update, so call it at most every few seconds, not per frame.
   */
  touch(): void;
}
