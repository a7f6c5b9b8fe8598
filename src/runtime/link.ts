/**
 * A link: one open channel to the peer, both directions.
 *
 * Inbound, per frame: open (authenticate + replay window, crypto) -> PEER_MESSAGE_OK ->
 * Schema-decode the body (codec.ts) -> act: y-protocols apply, PONG, rotation, BYE.
 * A frame that does not open is counted and dropped (it may be forged, replayed, corrupted on
 * the way); a frame that opens but whose body is malformed comes from the key holder, which is
 * a broken or hostile peer: that is fatal for the session (the doc is never touched by it).
 *
 * Repair: sequence numbers are consecutive per (epoch, direction), so a jump shows that frames
 * went missing (a faulty link; a real data channel is reliable, but a link can die mid-flight).
 * Any jump, an epoch change, or a fragment gap starts a two-way y-protocols sync round (our
 * step 1 marked as a request, so the peer answers and sends its own step 1), which moves exactly
 * what each side lacks. Frames flow both ways at least every ping interval, so every loss is
 * seen by someone. Yjs keeps out-of-order updates pending until they apply.
 */
import type { Subscription } from "rxjs";
import type { Channel } from "../adapters/transport/types.js";
import type { Crdt, CrdtMessage } from "../adapters/crdt/types.js";
import { CrdtDecodeError } from "../adapters/crdt/types.js";
import { FrameError, FrameType, RotationError, type SecureChannel } from "../adapters/crypto/index.js";
import type { EndReason, SessionEvent } from "../machines/protocol.js";
import { checkEmptyBody, checkRotateBody, decodeBody, decodeByeBody, encodeBye, MAX_MESSAGE_BYTES, type BodyPart } from "./codec.js";
import { FrameBodyError } from "./errors.js";
import { Coalescer, Sender, type DataFrameType } from "./outbound.js";

export interface LinkHooks {
  /** An event for the session actor. */
  toSession(e: SessionEvent): void;
  /** A counted, non-fatal rejection (public name only). */
  rejected(name: string, source: "frame" | "rotation" | "fragment"): void;
  /** An authenticated peer sent something malformed: end the session. */
  fatal(error: Error): void;
  /** A ROTATE from the peer: crypto answers; returns the ACK body or null (collision won). */
  onRotate(body: Uint8Array): { ack: Uint8Array | null; repeatAck: Uint8Array | null; epoch: number };
  /** Remember the sealed ROTATE_ACK bytes so a repeated ROTATE can get the very same frame. */
  ackSealed(frame: Uint8Array): void;
  /** A ROTATE_ACK from the peer. */
  onRotateAck(body: Uint8Array): void;
  /** A frame authenticated under `epoch` (the peer sends under it now, or did). */
  authenticated(epoch: number): void;
}

export interface LinkOptions {
  readonly channel: Channel;
  readonly sc: SecureChannel;
  readonly crdt: Crdt;
  readonly hooks: LinkHooks;
  readonly coalesceBytes: number;
}

interface Assembly {
  id: number;
  total: number;
  next: number;
  chunks: Uint8Array[];
  bytes: number;
}

export class Link {
  readonly channel: Channel;
  private readonly sc: SecureChannel;
  private readonly crdt: Crdt;
  private readonly hooks: LinkHooks;
  readonly sender: Sender;
  readonly coalescer: Coalescer;
  private readonly subs: Subscription[] = [];
  private lastEpoch: number | undefined;
  private lastSeq = -1n;
  private readonly assembly = new Map<DataFrameType, Assembly>();
  private resyncScheduled = false;
  private closed = false;
  readonly stats = { framesIn: 0, bytesIn: 0, resyncs: 0 };

  constructor(o: LinkOptions) {
    this.channel = o.channel;
    this.sc = o.sc;
    this.crdt = o.crdt;
    this.hooks = o.hooks;
    this.sender = new Sender(o.channel, o.sc, (e) => this.sendFailed(e));
    this.coalescer = new Coalescer({
      targetBytes: o.coalesceBytes,
      maxBodyBytes: Sender.maxBody(o.channel),
      emit: (type, body) => this.sender.enqueue(type, body),
    });
  }

  /** Subscribe to the channel and begin the sync round. */
  start(): void {
    this.subs.push(this.channel.drained$.subscribe(() => this.sender.pump()));
    this.subs.push(
      this.channel.messages$.subscribe({
        next: (frame) => this.onFrame(frame),
      }),
    );
    this.crdt.syncStart();
  }

  /** A y-protocols message from our CRDT. */
  push(kind: "sync" | "awareness", bytes: Uint8Array, request = false): void {
    if (this.closed) return;
    this.coalescer.push(kind === "sync" ? FrameType.SYNC : FrameType.AWARENESS, bytes, request);
  }

  control(type: FrameType, body: Uint8Array, onSealed?: (frame: Uint8Array) => void): void {
    if (this.closed) return;
    this.coalescer.flush(); // data written before a control frame goes first
    this.sender.enqueue(type, body, onSealed);
  }

  /** BYE goes out at once, ahead of back-pressure: the session is ending. */
  bye(reason: EndReason): boolean {
    if (this.closed) return false;
    return this.sender.sendNow(FrameType.BYE, encodeBye(reason));
  }

  private sendFailed(e: unknown): void {
    // A closed channel is reported by the channel itself (closed promise); anything else is ours.
    if (this.channel.state === "open") this.hooks.rejected(e instanceof Error ? e.name : "SendError", "frame");
  }

  private onFrame(frame: Uint8Array): void {
    if (this.closed) return;
    let opened;
    try {
      opened = this.sc.open(frame);
    } catch (e) {
      if (e instanceof FrameError) {
        this.hooks.rejected(e.name, "frame");
        return;
      }
      this.hooks.rejected(e instanceof Error ? e.name : "FrameError", "frame");
      return;
    }
    this.stats.framesIn++;
    this.stats.bytesIn += frame.length;
    this.hooks.toSession({ type: "PEER_MESSAGE_OK" });
    this.hooks.authenticated(opened.epoch);
    this.trackSequence(opened.epoch, opened.seq);
    try {
      this.dispatch(opened.type, opened.payload);
    } catch (e) {
      // FrameBodyError / CrdtDecodeError: the key holder sent garbage. Anything else is a bug of
      // ours; either way the session cannot trust this doc any more, and nothing may escape a
      // stream callback (RxJS would rethrow it asynchronously and crash the host).
      this.hooks.fatal(e instanceof FrameBodyError || e instanceof CrdtDecodeError ? e : new FrameBodyError("frame handling failed", { cause: e }));
    }
  }

  private trackSequence(epoch: number, seq: bigint): void {
    if (this.lastEpoch === undefined) {
      this.lastEpoch = epoch;
      this.lastSeq = seq;
      if (seq !== 0n) this.resync();
      return;
    }
    if (epoch !== this.lastEpoch) {
      if (epoch > this.lastEpoch) {
        this.lastEpoch = epoch;
        this.lastSeq = seq;
        this.resync();
      }
      return;
    }
    if (seq === this.lastSeq + 1n) this.lastSeq = seq;
    else if (seq > this.lastSeq) {
      this.lastSeq = seq;
      this.resync();
    }
  }

  private dispatch(type: number, payload: Uint8Array): void {
    switch (type) {
      case FrameType.SYNC:
      case FrameType.AWARENESS:
        this.parts(type, decodeBody(payload));
        return;
      case FrameType.PING:
        checkEmptyBody(payload, "PING");
        this.control(FrameType.PONG, new Uint8Array(0));
        return;
      case FrameType.PONG:
        checkEmptyBody(payload, "PONG");
        return;
      case FrameType.ROTATE: {
        checkRotateBody(payload);
        let r;
        try {
          r = this.hooks.onRotate(payload);
        } catch (e) {
          if (e instanceof RotationError) {
            this.hooks.rejected(e.name, "rotation");
            return;
          }
          throw e;
        }
        if (r.repeatAck !== null) this.sender.sendSealed(r.repeatAck);
        if (r.ack !== null) {
          this.control(FrameType.ROTATE_ACK, r.ack, (f) => this.hooks.ackSealed(f));
          this.hooks.toSession({ type: "PEER_ROTATE", epoch: r.epoch });
        }
        return;
      }
      case FrameType.ROTATE_ACK:
        checkRotateBody(payload);
        try {
          this.hooks.onRotateAck(payload);
        } catch (e) {
          if (e instanceof RotationError) {
            this.hooks.rejected(e.name, "rotation");
            return;
          }
          throw e;
        }
        return;
      case FrameType.BYE:
        this.hooks.toSession({ type: "PEER_BYE", reason: decodeByeBody(payload) });
        return;
      default:
        throw new FrameBodyError(`unknown frame type ${type}`);
    }
  }

  /**
   * The parts of one body, in order. Runs of whole messages go to the CRDT as one batch (one
   * document transaction per frame, not per update: the profile's biggest runtime-side cost on
   * a burst); a fragment ends the run, so the order of application is unchanged.
   */
  private parts(type: DataFrameType, parts: readonly BodyPart[]): void {
    const kind = type === FrameType.SYNC ? "sync" : "awareness";
    const batch = this.crdt.receiveBatch === undefined ? undefined : ([] as CrdtMessage[]);
    const flush = () => {
      if (batch === undefined || batch.length === 0) return;
      const ms = batch.splice(0);
      this.crdt.receiveBatch!(ms);
    };
    for (const part of parts) {
      if (part.t === "frag") {
        flush();
        this.fragment(type, kind, part);
        continue;
      }
      const m: CrdtMessage = part.t === "request" ? { kind, bytes: part.bytes, request: true } : { kind, bytes: part.bytes };
      if (batch === undefined) this.crdt.receive(m);
      else batch.push(m);
    }
    flush();
  }

  private fragment(type: DataFrameType, kind: "sync" | "awareness", part: BodyPart & { t: "frag" }): void {
    let a = this.assembly.get(type);
    if (a !== undefined && (a.id !== part.id || a.total !== part.total || a.next !== part.index)) {
      // A fragment went missing: drop the partial message, ask for a new sync round.
      this.assembly.delete(type);
      a = undefined;
      this.hooks.rejected("FragmentGapError", "fragment");
      this.resync();
    }
    if (a === undefined) {
      if (part.index !== 0) {
        this.hooks.rejected("FragmentGapError", "fragment");
        this.resync();
        return;
      }
      a = { id: part.id, total: part.total, next: 0, chunks: [], bytes: 0 };
      this.assembly.set(type, a);
    }
    a.chunks.push(part.bytes);
    a.bytes += part.bytes.length;
    a.next++;
    if (a.bytes > MAX_MESSAGE_BYTES) throw new FrameBodyError("reassembled message too large");
    if (a.next === a.total) {
      this.assembly.delete(type);
      const whole = new Uint8Array(a.bytes);
      let off = 0;
      for (const c of a.chunks) {
        whole.set(c, off);
        off += c.length;
      }
      this.crdt.receive({ kind, bytes: whole });
    }
  }

  private resync(): void {
    if (this.resyncScheduled || this.closed) return;
    this.resyncScheduled = true;
    queueMicrotask(() => {
      this.resyncScheduled = false;
      if (this.closed || this.crdt.destroyed || this.channel.state !== "open") return;
      this.stats.resyncs++;
      // Two-way: what went missing may have been the peer's own request for our updates.
      this.crdt.syncStart({ request: true });
    });
  }

  /** Stop using the channel (it closed, or the session ends). Does not close the channel. */
  stop(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.subs) s.unsubscribe();
    this.subs.length = 0;
    this.coalescer.stop();
    this.sender.stop();
    this.assembly.clear();
  }
}
