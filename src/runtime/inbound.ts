/**
 * The inbound pipeline's parts: channel messages -> open (authenticate + replay window) ->
 * decode -> apply, one Yjs transaction per frame.
 *
 * A frame that does not open is counted and dropped (it may be forged, replayed, corrupted on the
 * way). A frame that opens but whose body is malformed comes from the key holder, which is a
 * broken or hostile peer: that is fatal for the session (the doc is never touched by it).
 *
 * Repair: sequence numbers are consecutive per (epoch, direction), so a jump shows that frames
 * went missing (a real data channel is reliable, but a link can die mid-flight). Any jump, an
 * epoch change, or a fragment gap starts a two-way y-protocols sync round, which moves exactly
 * what each side lacks. Frames flow both ways at least every ping interval, so every loss is seen.
 */
import type { Crdt, CrdtMessage } from "../adapters/crdt/types.js";
import { FrameType, type OpenedFrame, type SecureChannel } from "../adapters/crypto/index.js";
import { MAX_MESSAGE_BYTES, type BodyPart } from "./codec.js";
import { FrameBodyError } from "./errors.js";
import type { DataFrameType } from "./outbound.js";
import type { ErrorReporter } from "./report.js";
import { Sink } from "./sink.js";

/** Where opened frames go (the link: stamp, watch the sequence, decode, dispatch). */
export interface FrameHandler {
  onFrame(frame: OpenedFrame): void;
}

/**
 * The inbound pipeline's first stage, subscribed to the channel's messages: opens each frame and
 * hands it straight to the link; what does not open is reported (source `frame`) and dropped.
 * One subscriber per link rather than a map, a filter and an observer (each kept for the session).
 */
export class FrameOpener extends Sink<Uint8Array> {
  constructor(
    private readonly sc: SecureChannel,
    private readonly report: ErrorReporter,
    private readonly handler: FrameHandler,
  ) {
    super();
  }

  protected _next(frame: Uint8Array): void {
    let opened: OpenedFrame;
    try {
      opened = this.sc.open(frame);
    } catch (e) {
      this.report(e, "frame");
      return;
    }
    this.handler.onFrame(opened);
  }

  protected _error(e: unknown): void {
    this.unsubscribe();
    this.report(e, "transport");
  }
}

/** Notices missing frames from the (epoch, seq) of each authenticated frame. */
export class SequenceWatch {
  private lastEpoch: number | undefined;
  private lastSeq = -1n;

  /** True when frames before this one went missing (or the epoch moved on): time to resync. */
  gapBefore(epoch: number, seq: bigint): boolean {
    if (this.lastEpoch === undefined) {
      this.lastEpoch = epoch;
      this.lastSeq = seq;
      return seq !== 0n;
    }
    if (epoch !== this.lastEpoch) {
      if (epoch < this.lastEpoch) return false;
      this.lastEpoch = epoch;
      this.lastSeq = seq;
      return true;
    }
    if (seq === this.lastSeq + 1n) {
      this.lastSeq = seq;
      return false;
    }
    if (seq > this.lastSeq) {
      this.lastSeq = seq;
      return true;
    }
    return false;
  }
}

interface Assembly {
  id: number;
  total: number;
  next: number;
  chunks: Uint8Array[];
  bytes: number;
}

/**
 * Applies the parts of one SYNC/AWARENESS body in order. Runs of whole messages go to the CRDT as
 * one batch (one document transaction per frame: the profile's biggest runtime-side cost on a
 * burst was a transaction per update); a fragment ends the run, so the order of application is
 * unchanged. Returns false when a fragment went missing (the caller resyncs).
 */
export class BodyApplier {
  /** A message being reassembled, per frame type (made at the first fragment: most links see none). */
  private assembly: Map<DataFrameType, Assembly> | undefined;

  constructor(private readonly crdt: Crdt) {}

  apply(type: DataFrameType, parts: readonly BodyPart[]): boolean {
    const kind = type === FrameType.SYNC ? "sync" : "awareness";
    let intact = true;
    // No closure per frame: under tsx/esbuild's keepNames every one costs a defineProperty.
    let batch: CrdtMessage[] | undefined;
    for (const part of parts) {
      if (part.t === "frag") {
        if (batch !== undefined) this.receiveRun(batch);
        batch = undefined;
        const whole = this.fragment(type, part);
        if (whole === false) intact = false;
        else if (whole !== undefined) this.crdt.receive({ kind, bytes: whole });
        continue;
      }
      (batch ??= []).push(part.t === "request" ? { kind, bytes: part.bytes, request: true } : { kind, bytes: part.bytes });
    }
    if (batch !== undefined) this.receiveRun(batch);
    return intact;
  }

  /** A run of whole messages, in one document transaction where the CRDT can. */
  private receiveRun(ms: CrdtMessage[]): void {
    if (this.crdt.receiveBatch !== undefined) this.crdt.receiveBatch(ms);
    else for (const m of ms) this.crdt.receive(m);
  }

  /** The reassembled message, undefined while incomplete, false on a gap (the partial is dropped). */
  private fragment(type: DataFrameType, part: BodyPart & { t: "frag" }): Uint8Array | undefined | false {
    const assembly = (this.assembly ??= new Map());
    let a = assembly.get(type);
    let gap = false;
    if (a !== undefined && (a.id !== part.id || a.total !== part.total || a.next !== part.index)) {
      assembly.delete(type);
      a = undefined;
      gap = true;
    }
    if (a === undefined) {
      if (part.index !== 0) return false;
      a = { id: part.id, total: part.total, next: 0, chunks: [], bytes: 0 };
      assembly.set(type, a);
    }
    a.chunks.push(part.bytes.slice()); // the frame's plaintext is zeroed after dispatch
    a.bytes += part.bytes.length;
    a.next++;
    if (a.bytes > MAX_MESSAGE_BYTES) throw new FrameBodyError("reassembled message too large");
    if (a.next < a.total) return gap ? false : undefined;
    assembly.delete(type);
    const whole = new Uint8Array(a.bytes);
    let off = 0;
    for (const c of a.chunks) {
      whole.set(c, off);
      off += c.length;
    }
    return whole;
  }

  clear(): void {
    this.assembly = undefined;
  }
}
