/**
 * Errors the runtime reports. Each has a stable `name`; messages hold public data only.
 * `WrongCodeError` is the crypto adapter's own class, re-exported so host apps import one name.
 */
import { LetheError } from "../errors.js";
import type { EndReason } from "../machines/protocol.js";

export { CommitmentMismatchError, WrongCodeError } from "../adapters/crypto/errors.js";

/** A frame body, signal or pairing message from the peer did not decode (schema or binary). */
export class BodyDecodeError extends LetheError {
  override readonly name: string = "BodyDecodeError";
}
/** A sealed signaling message opened but its content is malformed. */
export class SignalDecodeError extends BodyDecodeError {
  override readonly name = "SignalDecodeError";
}
/** A pairing-envelope message (SPAKE2 message or confirmation tag) is malformed or out of order. */
export class PairingMessageError extends BodyDecodeError {
  override readonly name = "PairingMessageError";
}
/** A frame body (SYNC, AWARENESS, ROTATE, BYE…) from an authenticated peer is malformed. */
export class FrameBodyError extends BodyDecodeError {
  override readonly name = "FrameBodyError";
}
/** host()/join() called when the engine is not idle, or after end. */
export class EngineStateError extends LetheError {
  override readonly name = "EngineStateError";
}
/** join() was pending and the session ended for a reason other than a wrong code. */
export class SessionEndedError extends LetheError {
  override readonly name = "SessionEndedError";
  constructor(readonly reason: EndReason) {
    super(`the session ended (${reason}) before it connected`);
  }
}
/** A pairing message arrived out of protocol order (a tag before any SPAKE2 message, a second one). */
export class PairingOrderError extends BodyDecodeError {
  override readonly name = "PairingOrderError";
}
/**
 * The peer ended the pairing exchange: the joiner found that our revealed SPAKE2 message did not
 * match our commitment (docs/protocol.md §3). Ends the pairing as a wrong code.
 */
export class PairingAbortedError extends LetheError {
  override readonly name = "PairingAbortedError";
}
/** A re-delivered copy of the peer's SPAKE2 message or commitment (counted, harmless). */
export class PairingDuplicateError extends BodyDecodeError {
  override readonly name = "PairingDuplicateError";
}
/** A fragment of a large message went missing; the partial message is dropped and a sync round repairs it. */
export class FragmentGapError extends LetheError {
  override readonly name = "FragmentGapError";
}
/** Document data arrived while strict verification still holds sync (dropped). */
export class VerificationPendingError extends LetheError {
  override readonly name = "VerificationPendingError";
}
/** A connect attempt took longer than timings.connectTimeoutMs. */
export class ConnectTimeoutError extends LetheError {
  override readonly name = "ConnectTimeoutError";
}
/** The document was written to after the session ended (nothing is synced or kept any more). */
export class DocumentEndedError extends LetheError {
  override readonly name = "DocumentEndedError";
}
