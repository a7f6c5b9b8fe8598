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
  /** Resolves once closed, with the reason. */
  readonly closed: Promise<ChannelCloseReason>;
  /** Queue one message. Throws ChannelClosedError unless open, MessageTooLargeError past maxMessageSize. */
  send(data: Uint8Array): void;
  /** Idempotent. */
  close(): void;
}

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
  override readonly name = "ConnectFailedError";
}
