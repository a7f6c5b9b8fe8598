/**
 * The public types of `lethe-sync`: engine options, the engine, its events and its state.
 * Everything observable here is plain, public data: counters, ids, reasons, names. No key
 * bytes, no pairing code (host() returns the code to the caller, and only there).
 */
import type { Observable } from "rxjs";
import type { InspectionEvent, Observer } from "xstate";
import type * as Y from "yjs";
import type { Awareness } from "y-protocols/awareness";
import type { Aead } from "../adapters/crypto/index.js";
import type { Crdt, Presence } from "../adapters/crdt/types.js";
import type { Discovery } from "../adapters/discovery/types.js";
import type { Signaling } from "../adapters/signaling/types.js";
import type { Transport } from "../adapters/transport/types.js";
import type { EndReason, Role, Timings } from "../machines/protocol.js";

/** Runtime-only durations on top of the machines' Timings. */
export interface EngineTimings extends Timings {
  /** One transport connect attempt may take this long before it counts as failed. */
  readonly connectTimeoutMs: number;
  /**
   * Upper bound of the pulse window: the session actor hears at most one ACTIVITY and one
   * PEER_MESSAGE_OK per window (leading edge at once, one trailing at its end), so the dead-man
   * and peer-gone timers fire up to one window late, never early. The window used is
   * min(pulseWindowMs, inactivityMs / 100, peerGoneMs / 100); 0 turns the throttle off.
   */
  readonly pulseWindowMs: number;
}

/** What the engine needs of a clock: xstate's SimulatedClock fits; default the global timers. */
export interface EngineClock {
  setTimeout(fn: (...args: unknown[]) => void, timeout: number): unknown;
  clearTimeout(id: unknown): void;
  now?(): number;
}

export interface SyncEngineOptions {
  readonly transport: Transport;
  readonly signaling: Signaling;
  /**
   * With discovery, the host advertises its nameplate while pairing (withdrawn at PAKE_OK or the
   * end). Finding it is the signaling adapter's business (a LAN signaling adapter browses with it).
   */
  readonly discovery?: Discovery;
  /** What the host advertises (a LAN signaling adapter supplies its real endpoint). */
  readonly advertise?: { readonly address: string; readonly port: number };
  /** SPAKE2 identity (the app id); default "lethe/v1". Both devices must use the same. */
  readonly identity?: string | Uint8Array;
  readonly timings?: Partial<EngineTimings>;
  /** Passed to xstate's createActor (e.g. @statelyai/inspect's `inspector.inspect`). */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** Drives every lifecycle delay (xstate) and the connect timeout. */
  readonly clock?: EngineClock;
  /** AEAD backend; default @noble/ciphers (pass `nodeAead` on Node for speed). */
  readonly aead?: Aead;
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
  | { readonly type: "connected"; readonly channelId: string }
  | { readonly type: "disconnected"; readonly reason: string }
  | { readonly type: "rotated"; readonly epoch: number }
  | { readonly type: "presence"; readonly peers: ReadonlyArray<Presence> }
  /** A typed, counted failure (public name only); `fatal` ones end the session. */
  | { readonly type: "error"; readonly name: string; readonly source: string; readonly count: number; readonly fatal: boolean }
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
  /** Pair with a code shown on the other device; resolves when connected. WrongCodeError on a wrong code. */
  join(code: string): Promise<void>;
  /** End now and wipe. Resolves when ended. Idempotent. */
  end(): Promise<void>;
  /** Start a key rotation now. */
  rotateNow(): void;
  /** Say what this device is doing (shown to the peer). */
  setPresence(doing: string): void;
  /** The current state (same as the latest state$ value, with fresh countdowns). */
  snapshot(): EngineState;
  /** Resolves with the reason once the session ended. */
  readonly ended: Promise<EndReason>;
  /** Test hooks: public data only (resource labels, the key store's live buffers for zero checks). */
  readonly debug: EngineDebug;
}

export interface EngineDebug {
  /** Labels of resources still registered in the teardown registry. */
  liveResources(): string[];
  /** The key store's live secret buffers (tests hold them and check zeros after the end). */
  secretBuffers(): readonly Uint8Array[];
  /**
   * Called with the live key buffers before every event the engine sends its session and every
   * command it carries out (so a test can hold every buffer that ever existed). Returns unsubscribe.
   */
  watchSecrets(fn: (buffers: readonly Uint8Array[]) => void): () => void;
  /** True once the key store was wiped. */
  readonly keyStoreWiped: boolean;
}
