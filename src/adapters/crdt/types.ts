/**
 * Crdt: the binding between the shared document and the wire.
 *
 * An implementation owns one Y.Doc and one y-protocols Awareness, turns local changes into
 * y-protocols messages (`outbound$`), applies the peer's messages (`receive`), and reports every
 * content change, local or remote, on `changes$` (the runtime turns those into ACTIVITY for the
 * dead-man's switch). Messages are the exact y-protocols encodings (sync: step1/step2/update;
 * awareness: an awareness update); framing, sealing and coalescing are the runtime's job.
 *
 * Awareness renewals driven by y-protocols' own wall-clock interval are sent (they keep the
 * peer's view of us alive) but are NOT changes: nothing driven by the wall clock may reach the
 * lifecycle.
 */
import type { Observable } from "rxjs";
import type * as Y from "yjs";
import type { Awareness } from "y-protocols/awareness";
import { LetheError } from "../../errors.js";

/** One y-protocols message. `sync` = y-protocols/sync message, `awareness` = awareness update. */
export interface CrdtMessage {
  readonly kind: "sync" | "awareness";
  /**
   * The message. On `outbound$` a fresh array the consumer owns: it carries document content,
   * so the consumer zeroes it once it is packed into a frame or dropped (docs/threat-model.md).
   */
  readonly bytes: Uint8Array;
  /**
   * On a sync step 1: "answer, and then start a round of your own". A side that suspects it
   * lost messages sends this, because what it lost may have been the peer's own request.
   */
  readonly request?: boolean;
}

/** A content change: `doc` (Y.Doc update) or `awareness` (a state added/changed/removed). */
export interface CrdtChange {
  readonly kind: "doc" | "awareness";
  readonly origin: "local" | "remote";
}

/** The small presence record each device publishes through awareness. Public data only. */
export interface Presence {
  readonly device: string;
  readonly doing: string;
}

export interface Crdt {
  readonly kind: string;
  readonly doc: Y.Doc;
  readonly awareness: Awareness;
  /** Messages for the peer, in the order they must be applied. Completes on destroy. */
  readonly outbound$: Observable<CrdtMessage>;
  /** Every content change (not renewals). Completes on destroy. */
  readonly changes$: Observable<CrdtChange>;
  /**
   * Emits each time the peer's answer to our sync step 1 (its step 2) has been applied: this doc
   * then holds everything the peer had when it answered. Completes on destroy.
   */
  readonly synced$: Observable<void>;
  /**
   * Begin a sync round with a (new) peer: emits SyncStep1 and our awareness state on outbound$.
   * The peer's step1 is answered with step2 on outbound$ by `receive`. With `request`, the
   * step1 is marked so the peer also starts its own round (a two-way repair).
   */
  syncStart(options?: { readonly request?: boolean }): void;
  /**
   * Apply one message from the peer. Replies (step2) go out on outbound$.
   * Throws CrdtDecodeError on a malformed message; the doc is not changed then.
   */
  receive(message: CrdtMessage): void;
  /**
   * Optional fast path: apply several messages from one frame as if by `receive` one after
   * another, but in ONE document transaction, so observers and the doc's update event run once
   * per batch instead of once per message (a 16 KiB frame carries hundreds of small updates).
   * Throws like `receive` at the first bad message; the messages before it stay applied.
   */
  receiveBatch?(messages: readonly CrdtMessage[]): void;
  /** Publish our presence record (merged into the local awareness state). */
  setPresence(presence: Presence): void;
  /**
   * Mark this device active without touching the document: a change of our awareness state
   * (a counter), so it is a change here and, once it arrives, on the peer (the host app's
   * `touch()`: both dead-man's switches hear it).
   */
  markActive(): void;
  /** The peer's presence records (by awareness client id), validated; malformed ones omitted. */
  peers(): ReadonlyArray<Presence & { readonly clientId: number }>;
  /** Mark the peer's awareness states offline (channel lost). */
  forgetPeers(): void;
  /** Destroy doc and awareness (stops awareness' interval), complete the streams. Idempotent. */
  destroy(): void;
  readonly destroyed: boolean;
}

export class CrdtError extends LetheError {
  override readonly name: string = "CrdtError";
}
/** A y-protocols message from the peer could not be decoded or applied. */
export class CrdtDecodeError extends CrdtError {
  override readonly name = "CrdtDecodeError";
}
/** The binding was used after destroy(). */
export class CrdtDestroyedError extends CrdtError {
  override readonly name = "CrdtDestroyedError";
}
