/**
 * Carrying out key rotation for one paired session (the keyRotation machine decides when; the
 * crypto secure channel does the ratchet). What this adds on top, both found by the convergence
 * property (docs/architecture.md §5):
 *
 * - Retries resend the *same* ROTATE body while our rotation is pending, and a repeated ROTATE
 *   from the peer (it never got our ACK: the link died under it) is answered with the very same
 *   sealed ACK frame, which the peer can still open (or the ACK is sealed now if it never went out).
 * - expireEpoch{e} wipes e's receive key only once the peer has sent under a newer epoch; until
 *   then the wipe waits, because the peer may still be sealing its ROTATE retries under e.
 */
import { FrameType, type SecureChannel } from "../adapters/crypto/index.js";
import { LetheError } from "../errors.js";
import { checkRotateBody } from "./codec.js";
import { count, type SessionScope } from "./scope.js";

/** sendRotate asked for an epoch that is not the next one (the machine and crypto disagree). */
export class RotationEpochMismatchError extends LetheError {
  override readonly name = "RotationEpochMismatch";
}

type RotationScope = Pick<SessionScope, "clock" | "control$" | "toSession" | "announce" | "report" | "counters">;

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class Rotation {
  /** Our pending rotation: the ROTATE body (public: epoch + ephemeral public key) for retries. */
  private ours: { epoch: number; body: Uint8Array } | undefined;
  /** The last ROTATE we answered and our sealed ACK (public bytes). */
  private lastAck: { rotate: Uint8Array; ackBody: Uint8Array; frame: Uint8Array | undefined; epoch: number } | undefined;
  /** Newest epoch the peer has sent an authenticated frame under. */
  private peerEpoch = 0;
  /** Epochs whose receive key waits for the peer to switch before it is wiped. */
  private readonly deferred = new Set<number>();

  /** When the current epoch began, on the engine clock (for state$'s countdown). */
  epochStartedAt: number;

  constructor(private readonly sc: SecureChannel, private readonly scope: RotationScope) {
    this.epochStartedAt = scope.clock.now();
  }

  /** A new epoch is in use (ours acked, or the peer's answered). */
  private rotated(epoch: number): void {
    this.epochStartedAt = this.scope.clock.now();
    this.scope.announce({ type: "rotated", epoch });
  }

  /** sendRotate{epoch}: start the rotation, or resend the same ROTATE while it is pending. */
  send(epoch: number): void {
    if (this.sc.wiped) return;
    let body: Uint8Array;
    if (this.ours && this.ours.epoch === epoch && this.sc.rotationPending) body = this.ours.body;
    else if (!this.sc.rotationPending && epoch === this.sc.epoch + 1) {
      body = this.sc.startRotation();
      this.ours = { epoch, body };
    } else {
      this.scope.report(new RotationEpochMismatchError(`rotation to ${epoch} asked at epoch ${this.sc.epoch}`), "rotation");
      return;
    }
    this.scope.control$.next({ type: FrameType.ROTATE, body });
  }

  /** A ROTATE from the peer: the ACK body to send, or a sealed ACK to repeat, or nothing. */
  onRotate(body: Uint8Array): { ack: Uint8Array | null; repeatAck: Uint8Array | null; epoch: number } {
    const epoch = checkRotateBody(body);
    const last = this.lastAck;
    if (last && last.epoch === epoch && bytesEqual(last.rotate, body)) {
      if (last.frame !== undefined) return { ack: null, repeatAck: last.frame, epoch };
      this.scope.control$.next({
        type: FrameType.ROTATE_ACK,
        body: last.ackBody,
        onSealed: (f) => {
          last.frame = f;
        },
      });
      return { ack: null, repeatAck: null, epoch };
    }
    const ack = this.sc.handleRotate(body);
    if (ack === null) return { ack: null, repeatAck: null, epoch }; // collision: ours wins
    if (this.ours && this.ours.epoch === epoch) this.ours = undefined; // collision: theirs wins
    this.lastAck = { rotate: body.slice(), ackBody: ack, frame: undefined, epoch };
    this.rotated(epoch);
    return { ack, repeatAck: null, epoch };
  }

  /** The ROTATE_ACK we answered with was sealed: keep its bytes for a repeat. */
  ackSealed(frame: Uint8Array): void {
    if (this.lastAck && this.lastAck.frame === undefined) this.lastAck.frame = frame;
  }

  /** A ROTATE_ACK from the peer (throws RotationError for a stale or foreign one). */
  onRotateAck(body: Uint8Array): void {
    const epoch = this.sc.handleRotateAck(body);
    this.ours = undefined;
    this.rotated(epoch);
    this.scope.toSession({ type: "ROTATE_ACKED", epoch });
  }

  /** expireEpoch{epoch}: now if the peer has moved on, else when it does. */
  expire(epoch: number): void {
    if (this.sc.wiped || epoch >= this.sc.epoch) return;
    if (epoch < this.peerEpoch) this.sc.expireEpoch(epoch);
    else {
      this.deferred.add(epoch);
      count(this.scope, "rotation.expiryDeferred");
    }
  }

  /** A frame from the peer authenticated under `epoch`. */
  authenticated(epoch: number): void {
    if (epoch <= this.peerEpoch) return;
    this.peerEpoch = epoch;
    for (const e of [...this.deferred]) {
      if (e < epoch && !this.sc.wiped && e < this.sc.epoch) {
        this.deferred.delete(e);
        this.sc.expireEpoch(e);
      }
    }
  }

  clear(): void {
    this.ours = undefined;
    this.lastAck = undefined;
    this.deferred.clear();
  }
}
