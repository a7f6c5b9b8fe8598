/**
 * Signaling: a mailbox between two devices that exists before (and beside) the transport.
 *
 * The pairing exchange and every later signal travel through it: first the two public SPAKE2
 * messages, then only blobs sealed by the runtime (offers, answers, candidates, reconnects).
 * An implementation (in-memory, LAN WebSocket + mDNS, opaque relay) moves bytes and nothing
 * else: it never parses, logs or keeps payloads. Blobs from the peer arrive in the order the
 * peer posted them; a blob may be lost if the peer was away longer than the implementation
 * holds it (the relay: 60 s).
 */
import type { Observable } from "rxjs";
import { LetheError } from "../../errors.js";
import type { MailboxAuth } from "../../protocol/rendezvous.js";

export type { MailboxAuth } from "../../protocol/rendezvous.js";

export interface SignalingSession {
  /** The public nameplate (the number in front of the pairing code) or mailbox id. */
  readonly nameplate: string;
  /** Blobs the peer posted, in order. Completes when the session closes. */
  readonly messages$: Observable<Uint8Array>;
  /** Emits once when the peer has joined this mailbox (for the host: someone claimed the code). */
  readonly peerJoined: Promise<void>;
  /** Post one blob to the peer. Rejects with a SignalingError (closed, too large, limit hit). */
  send(blob: Uint8Array): Promise<void>;
  /** Release the nameplate/mailbox and stop delivery. Idempotent. */
  close(): Promise<void>;
  /**
   * Optional: emits each time the other side opens its end again after it was there before (it
   * came back on a new connection, e.g. after a network change): what was delivered to its old
   * connection may never have arrived, so a sender re-posts what the peer still needs.
   */
  readonly peerReturned$?: Observable<void>;
}

export interface SignalingOpenOptions {
  readonly signal?: AbortSignal;
  /**
   * For `mailbox()`: proofs of the pairing's keys (the secure channel's `mailboxAuth`). An
   * implementation whose mailbox hello can be seen by others (LAN) requires it and proves itself
   * with it on every connection (docs/protocol.md §8); one that relies on an opaque relay may
   * ignore it.
   */
  readonly auth?: MailboxAuth;
}

export interface Signaling {
  readonly kind: string;
  /** Claim a fresh nameplate; the other device joins it with the code. */
  host(options?: SignalingOpenOptions): Promise<SignalingSession>;
  /** Join the mailbox behind a nameplate someone is hosting. NameplateNotFoundError if none. */
  join(nameplate: string, options?: SignalingOpenOptions): Promise<SignalingSession>;
  /**
   * Open (or re-open) a private mailbox both paired devices can compute (a random-looking
   * 128-bit id derived from their shared key), to re-signal after the nameplate was released.
   * `side` distinguishes the two ends so each receives only the other's blobs.
   */
  mailbox(id: string, side: "host" | "join", options?: SignalingOpenOptions): Promise<SignalingSession>;
  /**
   * Optional: the network may have changed (a link just went dark): check the connection to the
   * rendezvous now and, if it does not answer promptly, replace it (re-opening the mailboxes).
   */
  checkConnection?(): void;
  /** Release everything. Idempotent. */
  close(): Promise<void>;
}

export class SignalingError extends LetheError {
  override readonly name: string = "SignalingError";
}
export class NameplateNotFoundError extends SignalingError {
  override readonly name = "NameplateNotFoundError";
}
export class NameplateCrowdedError extends SignalingError {
  override readonly name = "NameplateCrowdedError";
}
export class SignalingClosedError extends SignalingError {
  override readonly name = "SignalingClosedError";
}
export class BlobTooLargeError extends SignalingError {
  override readonly name = "BlobTooLargeError";
}
/** A mailbox hello failed its proof of the pairing's keys, or the proof was not available. */
export class MailboxAuthError extends SignalingError {
  override readonly name = "MailboxAuthError";
}
export class SignalingLimitError extends SignalingError {
  override readonly name = "SignalingLimitError";
}
