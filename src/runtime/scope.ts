/**
 * What one session's actors share: the adapters, the key store and the document, the liveness
 * stamps the timers read, the stream of control frames, one error reporter, and the few handles
 * that pass from one actor to the next. Each slot says who writes it; nothing here is secret
 * except inside the key store and the secure channel, which the crypto adapter owns.
 *
 *   ticket   host()/join() -> pairingExchange (taken once; its password is zeroed at once)
 *   secure   pairingExchange (PAKE_OK) -> signalMailbox, connect, peerLink, effects; wiped by `wipe`
 *   mailbox  signalMailbox -> connect (sealed signals for one attempt)
 *   channels connect -> peerLink (an open channel waits here by id until its link takes it;
 *            `parkChannel`/`takeChannel`, the map only while one waits)
 *   link     peerLink (the live link, for a BYE sent ahead of the queue and for state$)
 */
import { BehaviorSubject, Subject } from "rxjs";
import { withComponents, type Components } from "../adapters/components.js";
import { createKeyStore, defaultAead, defaultKeyAgreement } from "../adapters/crypto/index.js";
import { createYjsCrdt } from "../adapters/crdt/yjs.js";
import type { Clock } from "../clock.js";
import type { Aead, KeyAgreement, KeyStore, RandomSource, SecureChannel } from "../adapters/crypto/index.js";
import type { Crdt } from "../adapters/crdt/types.js";
import type { Discovery } from "../adapters/discovery/types.js";
import type { Signaling, SignalingSession } from "../adapters/signaling/types.js";
import type { Channel, Transport } from "../adapters/transport/types.js";
import type { FrameType } from "../adapters/crypto/index.js";
import type { Role, SessionEvent } from "../machines/protocol.js";
import { Liveness } from "./liveness.js";
import type { ErrorReporter } from "./report.js";
import type { Rotation } from "./rotation.js";
import type { SignalMailbox } from "./actors/signal-mailbox.js";
import type { EngineEvent, SyncEngineOptions } from "./types.js";

/** A frame for the link's outbound pipeline that is not document data. */
export interface ControlFrame {
  readonly type: FrameType;
  readonly body: Uint8Array;
  /** Told the sealed bytes (a ROTATE_ACK is kept to be repeated verbatim). */
  readonly onSealed?: (frame: Uint8Array) => void;
}

/** The live link, as the rest of the session sees it. */
export interface LinkHandle {
  readonly channel: Channel;
  /** Seal and send now, ahead of back-pressure (the BYE at the end). */
  sendNow(type: FrameType, body: Uint8Array): boolean;
  readonly stats: { readonly framesIn: number; readonly framesOut: number; readonly resyncs: number; readonly pauses: number; readonly queued: number };
}

export interface PairingTicket {
  readonly session: SignalingSession;
  /** The code's UTF-8 bytes; the pairing exchange zeroes them as soon as SPAKE2 has them. */
  readonly password: Uint8Array;
}

export interface SecureState {
  readonly channel: SecureChannel;
  readonly rotation: Rotation;
  /** The short authentication string, identical on both devices unless someone is in the middle. */
  readonly words: readonly string[];
  /** When pairing completed, on the engine clock (the expiry countdown runs from here). */
  readonly pairedAt: number;
}

export interface SessionScope {
  readonly clock: Clock;
  readonly random: RandomSource | undefined;
  readonly identity: Uint8Array | undefined;
  readonly deviceName: string;
  readonly coalesceBytes: number;
  readonly transport: Transport;
  readonly signaling: Signaling;
  readonly discovery: Discovery | undefined;
  readonly advertiseAt: { readonly address: string; readonly port: number };
  readonly aead: Aead;
  readonly keyAgreement: KeyAgreement;
  readonly keyStore: KeyStore;
  readonly crdt: Crdt;
  readonly liveness: Liveness;
  readonly report: ErrorReporter;
  /** Public counters for state$ (activity, errors, rotations). */
  readonly counters: Record<string, number>;
  /** Control frames for whichever link is up (PING, PONG, ROTATE, ROTATE_ACK, VERIFIED). */
  readonly control$: Subject<ControlFrame>;
  /** True once data may flow (at pairing, or after both confirmed the words in strict mode). */
  readonly syncAllowed$: BehaviorSubject<boolean>;
  /** An event for the session actor (ignored once it has ended). */
  toSession(event: SessionEvent): void;
  /** An event for the host app (events$). */
  announce(event: EngineEvent): void;
  role: Role | null;
  ticket: PairingTicket | undefined;
  secure: SecureState | undefined;
  mailbox: SignalMailbox | undefined;
  /** The private mailbox's session once open (null if opening failed); set by signalMailbox. */
  mailboxOpened: Promise<SignalingSession | null> | undefined;
  /** A BYE through the mailbox still on its way (set by `wipe`); the adapters close after it. */
  farewell: Promise<void> | undefined;
  /** Open channels no link has taken yet (undefined while none waits). */
  channels: Map<string, Channel> | undefined;
  link: LinkHandle | undefined;
  /** The person confirmed the words on this device (strict verification). */
  verifiedHere: boolean;
  /** Set by `wipe`: the session is ending (actors being stopped now are not failing). */
  ending: boolean;
  /** Set by `close`: the adapters closing (never rejects). */
  closing: Promise<void>;
  /** `close` closes the adapters (the host's `closeAdapters`, default true). */
  readonly closeAdapters: boolean;
}

export function count(scope: Pick<SessionScope, "counters">, name: string, by = 1): number {
  const n = (scope.counters[name] ?? 0) + by;
  scope.counters[name] = n;
  return n;
}

/** An opened channel waits for its link (connect). */
export function parkChannel(scope: SessionScope, channel: Channel): void {
  (scope.channels ??= new Map()).set(channel.id, channel);
}

/** The link takes its channel (peerLink); undefined if it is gone. */
export function takeChannel(scope: SessionScope, id: string): Channel | undefined {
  const channel = scope.channels?.get(id);
  scope.channels?.delete(id);
  if (scope.channels?.size === 0) scope.channels = undefined;
  return channel;
}

const DEFAULT_COALESCE_BYTES = 16 * 1024;
const utf8 = new TextEncoder();

/** A fresh scope for one session: adapters completed with the components, a new key store and doc. */
export function createScope(
  options: SyncEngineOptions,
  components: Components,
  hooks: Pick<SessionScope, "announce" | "toSession" | "report" | "counters">,
): SessionScope {
  return {
    ...hooks,
    clock: components.clock,
    random: options.random,
    identity: options.identity === undefined ? undefined : typeof options.identity === "string" ? utf8.encode(options.identity) : options.identity.slice(),
    deviceName: options.deviceName ?? "device",
    coalesceBytes: options.coalesceBytes ?? DEFAULT_COALESCE_BYTES,
    transport: withComponents(options.transport, components),
    signaling: withComponents(options.signaling, components),
    discovery: options.discovery === undefined ? undefined : withComponents(options.discovery, components),
    advertiseAt: options.advertise ?? { address: "in-process", port: 1 },
    aead: options.aead ?? defaultAead(),
    keyAgreement: options.keyAgreement ?? defaultKeyAgreement(),
    keyStore: createKeyStore(),
    crdt: options.crdt ?? createYjsCrdt(),
    liveness: new Liveness(components.clock),
    control$: new Subject(),
    syncAllowed$: new BehaviorSubject(false),
    role: null,
    ticket: undefined,
    secure: undefined,
    mailbox: undefined,
    mailboxOpened: undefined,
    farewell: undefined,
    channels: undefined,
    link: undefined,
    verifiedHere: false,
    ending: false,
    closing: Promise.resolve(),
    closeAdapters: options.closeAdapters ?? true,
  };
}
