/**
 * Transport: a message channel between two paired devices (WebRTC data channel, in-memory link).
 *
 * A transport never sees plaintext: the runtime hands it sealed frames and receives sealed frames.
 * Connecting needs an out-of-band exchange (SDP offer/answer, ICE candidates). The transport
 * produces and consumes those as opaque bytes through a `SignalPipe`; the runtime seals them
 * before they reach any signaling adapter, and opens them before they come back here. A
 * transport must therefore treat every byte arriving on the pipe as hostile and decode it with a
 * schema (a malformed signal is an error on `connect`, never a crash).
 */
import type { Observable } from "rxjs";
import { LetheError } from "../../errors.js";

export type ChannelState = "connecting" | "open" | "closing" | "closed";

/** Why a channel closed: `local` = our close(), `remote` = peer closed, `failed` = transport loss. */
export type ChannelCloseReason = "local" | "remote" | "failed";

/**
 * ICE candidate types (RFC 8445 §5.1.1.1): an address of the device itself (`host`), its NAT's
 * public mapping learned from a STUN server (`srflx`, server-reflexive), a mapping the peer saw
 * during the checks (`prflx`, peer-reflexive), or an address on a TURN server (`relay`).
 */
export type CandidateType = "host" | "srflx" | "prflx" | "relay";

/**
 * The path a channel's bytes take now. Plain public data with no addresses (a snapshot or a log
 * line must not carry the devices' IPs):
 * - `ice`: the selected ICE candidate pair — our candidate's type, the peer's, and the transport
 *   protocol of the pair (`udp`, or `tcp` for ICE-TCP). Either end `relay` means a TURN server
 *   carries every byte (still DTLS-encrypted, and sealed inside).
 * - `memory`: the in-process test network; no network path at all.
 * - `unknown`: the stack has not said (a browser without the stats, or a pair not yet selected).
 */
/**
 * Whether the channel's path is answering: `connected`, or `disconnected` while the stack reports
 * its connectivity checks unanswered (the path may come back by itself, or fail and close the
 * channel `failed`). See docs/transport.md "When the path goes dark" for each stack's timing.
 */
export type PathHealth = "connected" | "disconnected";

export type SelectedPath =
  | { readonly kind: "ice"; readonly local: CandidateType; readonly remote: CandidateType; readonly protocol: "udp" | "tcp" }
  | { readonly kind: "memory" }
  | { readonly kind: "unknown" };

export interface Channel {
  /** A public, non-secret id, for logs and snapshots. */
  readonly id: string;
  readonly state: ChannelState;
  /** Emits the current state at subscription, then every change; completes after `closed`. */
  readonly state$: Observable<ChannelState>;
  /** Messages in the order the peer sent them (the channel is reliable and ordered). Completes on close. */
  readonly messages$: Observable<Uint8Array>;
  /** Bytes accepted by send() and not yet handed to the network. */
  readonly bufferedAmount: number;
  /** Emits whenever bufferedAmount falls to or below `lowWaterMark` after having been above it. */
  readonly drained$: Observable<void>;
  /** Senders should pause while bufferedAmount > highWaterMark, and resume on drained$. */
  readonly highWaterMark: number;
  readonly lowWaterMark: number;
  /** Largest message send() accepts, in bytes. */
  readonly maxMessageSize: number;
  /** The path the channel uses now (known when connect() resolves, for every implementation here). */
  readonly path: SelectedPath;
  /** Emits the current path at subscription, then every change (e.g. after an ICE restart); completes on close. */
  readonly path$: Observable<SelectedPath>;
  /**
   * Emits the path's health at subscription, then every change; completes on close. Chromium
   * reports `disconnected` ~5–6 s after the path goes dark; werift never does (its path fails
   * after ~30 s without consent), so the runtime's own liveness (missing frames) must also count.
   */
  readonly health$: Observable<PathHealth>;
  /**
   * ICE restart on this channel's live connection, over a fresh SignalPipe: one offer/answer with
   * new ICE credentials, new checks, a new selected pair; the same channel, DTLS session and SCTP
   * association go on (messages queued meanwhile are retransmitted by SCTP). Resolves once a pair
   * is selected again; rejects like connect() (BadSignalError, ConnectAbortedError,
   * ConnectFailedError). The same side offers as at connect. Absent where the implementation
   * cannot restart: the runtime then opens a fresh connection with connect().
   */
  restartIce?(options: ConnectOptions): Promise<void>;
  /** Resolves once closed, with the reason. */
  readonly closed: Promise<ChannelCloseReason>;
  /** Queue one message. Throws ChannelClosedError unless open, MessageTooLargeError past maxMessageSize. */
  send(data: Uint8Array): void;
  /**
   * Close the channel; idempotent. The contract every implementation keeps (the compliance
   * suite checks it): **close delivers what send() accepted** — every message send() accepted
   * before close() reaches the peer's `messages$`, in order, before the peer's channel closes
   * with `remote` — as long as the path works, within a bound: WebRTC channels wait up to
   * 2 s for the peer to acknowledge the data (`CLOSE_DELIVERY_MS`), then up to 1 s for the
   * stream reset, and then release the connection regardless, so a dead peer cannot hold a
   * closing channel open. `closed` resolves (`local`) once the connection is released.
   * `Transport.close()` runs this same sequence for every channel it made, so closing the
   * transport right after the channel does not cut the delivery short.
   */
  close(): void;
}

/** Upper bound on close()'s wait for the peer to acknowledge what send() accepted (WebRTC channels). */
export const CLOSE_DELIVERY_MS = 2_000;

/** The out-of-band path a transport uses to reach its peer while connecting. Bytes are opaque. */
export interface SignalPipe {
  send(signal: Uint8Array): void;
  readonly received$: Observable<Uint8Array>;
}

export interface ConnectOptions {
  /** Exactly one side offers. The runtime picks: the hosting device offers. */
  readonly role: "offerer" | "answerer";
  readonly signals: SignalPipe;
  readonly signal?: AbortSignal;
}

export interface Transport {
  /** A short, public name (`memory`, `werift`, `browser`) for snapshots and logs. */
  readonly kind: string;
  /**
   * Establish one channel with the peer at the other end of `signals`. Rejects with a typed
   * error (TransportError subclass) on a malformed signal, abort, or failure to connect.
   * May be called again after a channel closed (reconnect), with a fresh pipe.
   */
  connect(options: ConnectOptions): Promise<Channel>;
  /** Release everything (sockets, peer connections, timers). Idempotent. */
  close(): Promise<void>;
}

export class TransportError extends LetheError {
  override readonly name: string = "TransportError";
}
export class ChannelClosedError extends TransportError {
  override readonly name = "ChannelClosedError";
}
export class MessageTooLargeError extends TransportError {
  override readonly name = "MessageTooLargeError";
}
export class BadSignalError extends TransportError {
  override readonly name = "BadSignalError";
}
export class ConnectAbortedError extends TransportError {
  override readonly name = "ConnectAbortedError";
}
export class ConnectFailedError extends TransportError {
  override readonly name: string = "ConnectFailedError";
}
/**
 * ICE tried every candidate pair and none worked: there is no network path between the devices
 * with the servers given. Between two NATs that map per destination ("symmetric", most mobile
 * carriers) only a TURN server can carry the data; the message says which case it is.
 */
export class NoPathError extends ConnectFailedError {
  override readonly name = "NoPathError";
  override readonly hint: string;
  constructor(turnConfigured: boolean) {
    const hint = turnConfigured
      ? "no network path between the devices, not even through the TURN server given: check that it is reachable and its credentials are valid"
      : "no network path between the devices: their NATs or firewalls block a direct connection, so a TURN server is needed (iceServers: turn:HOST?transport=udp with a username and credential)";
    super(`ICE failed: ${hint}`);
    this.hint = hint;
  }
}

/** Whether any of the ICE servers is a TURN server (turn: or turns:). */
export function configuresTurn(servers: ReadonlyArray<{ readonly urls: string | readonly string[] }>): boolean {
  return servers.some((s) => (typeof s.urls === "string" ? [s.urls] : s.urls).some((u) => /^turns?:/i.test(u)));
}
