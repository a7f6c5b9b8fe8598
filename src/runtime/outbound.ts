/**
 * The outbound pipeline's operators: y-protocols messages and control frames -> coalesced bodies
 * -> sealed frames -> channel, paced by the channel's drain signal.
 *
 *   outboundFrames(data$, control$, allowed, coalesce, channel, seal, stats)
 *     = data items (while allowed) merged with control frames -> coalesce -> seal + send, paced
 *
 * The three stages are fused into one operator for the link (one subscriber per source, the
 * stages calling each other directly): `Coalescer`, then `Pacer`.
 *
 * Coalescing (perf-baselines §1/§6: werift resends tiny messages ~21 times, so frames must be
 * >= 1 KB where there is that much to say): messages of one frame type collect until the end of
 * the current microtask (asapScheduler), or until `targetBytes` (16 KiB) are pending, then are
 * packed into bodies of at most `targetBytes`; a message that would overflow the body being
 * filled sends that one full first (no one-update straggler frames); a single larger message gets
 * a body of its own; one larger than the channel allows is split into fragments. Packing is
 * length-prefixed concatenation (codec.ts), never Y.mergeUpdates. A control frame flushes what is
 * pending first, so data written before it goes before it. Once packed, a message's bytes are
 * zeroed (fewer copies of the document's content outlive the session; docs/threat-model.md §3).
 *
 * Pacing: frames are sealed at the moment they are handed to the channel (so the epoch and
 * sequence order is the send order, which the rotation handover relies on), and only while
 * `bufferedAmount <= highWaterMark`; above it the queue waits for `drained$`.
 */
import { asapScheduler, Observable, type SchedulerAction, type Subscriber, type Subscription, type Unsubscribable } from "rxjs";
import type { CrdtMessage } from "../adapters/crdt/types.js";
import type { Channel } from "../adapters/transport/types.js";
import { FrameType, FRAME_HEADER_BYTES, FRAME_TAG_BYTES } from "../adapters/crypto/index.js";
import { BODY_HEADER_BYTES, encodeBody, partOverhead, wholeOverhead, type BodyPart } from "./codec.js";
import type { ControlFrame } from "./scope.js";
import { Sink } from "./sink.js";

export type DataFrameType = typeof FrameType.SYNC | typeof FrameType.AWARENESS;

export interface CoalesceOptions {
  /** Flush as soon as this many bytes are pending; also the body size target. */
  readonly targetBytes: number;
  /** Largest body the channel can carry (channel max message minus frame overhead). */
  readonly maxBodyBytes: number;
}

/** Largest body a frame on this channel can carry. */
export function maxBodyBytes(channel: Channel, cryptoMaxFrame = 1 << 20): number {
  return Math.min(channel.maxMessageSize, cryptoMaxFrame) - FRAME_HEADER_BYTES - FRAME_TAG_BYTES;
}

/** Seals a frame at the moment it is sent. */
export interface Sealer {
  /** The sealed bytes stay valid until the next call only (they may live in a reused buffer). */
  seal(frame: ControlFrame): Uint8Array;
}

export interface SendStats {
  framesOut: number;
  bytesOut: number;
  pauses: number;
  queued: number;
}

/*
 * The stages below are one object each with their steps as methods, and the link's pipeline
 * subscribes each source once (Sink, sink.ts): a link lives as long as its session, and an
 * operator chain (map, filter, merge, …) keeps a subscriber and a few closures per step for all
 * that time (docs/performance.md, "idle paired session heap").
 */

/**
 * The link's outbound pipeline, fused: the CRDT's messages as data items while `allowed()`
 * (`allowed.value`: strict verification holds sync until both devices confirmed; a message held back is zeroed,
 * the next sync round carries it), merged with the control frames, coalesced into bodies, sealed
 * and sent paced by the channel's drain signal. Emits the size of each frame sent; completes when
 * both sources have; a send that throws on an open channel is its error.
 */
export function outboundFrames(
  data$: Observable<CrdtMessage>,
  control$: Observable<ControlFrame>,
  allowed: { readonly value: boolean },
  o: CoalesceOptions,
  channel: Channel,
  sealer: Sealer,
  stats: SendStats,
): Observable<number> {
  return new Observable<number>((out) => {
    const pipeline = new OutboundPipeline(allowed, new Coalescer(o, new Pacer(channel, sealer, stats, out)));
    pipeline.drain = channel.drained$.subscribe(new Drain(pipeline));
    pipeline.control = control$.subscribe(new ControlItems(pipeline));
    data$.subscribe(pipeline);
    return pipeline;
  });
}

/** The data source's subscriber, and the pipeline's teardown. */
class OutboundPipeline extends Sink<CrdtMessage> {
  control: Subscription | undefined;
  drain: Subscription | undefined;
  private open = 2;

  constructor(
    private readonly allowed: { readonly value: boolean },
    readonly coalescer: Coalescer,
  ) {
    super();
  }

  protected _next(m: CrdtMessage): void {
    if (!this.allowed.value) {
      m.bytes.fill(0);
      return;
    }
    this.coalescer.push(m.kind === "sync" ? FrameType.SYNC : FrameType.AWARENESS, m.bytes, m.request === true);
  }

  protected _error(e: unknown): void {
    this.fail(e);
  }

  protected override _complete(): void {
    this.sourceDone();
  }

  fail(e: unknown): void {
    const pacer = this.coalescer.out;
    this.unsubscribe();
    pacer.out.error(e);
  }

  /** One of the two sources completed; after both, what is pending goes and the pipeline completes. */
  sourceDone(): void {
    if (--this.open > 0) return;
    const { coalescer } = this;
    coalescer.flushAll();
    this.unsubscribe();
    coalescer.out.out.complete();
  }

  override unsubscribe(): void {
    if (this.closed) return;
    super.unsubscribe();
    this.control?.unsubscribe();
    this.drain?.unsubscribe();
    this.coalescer.unsubscribe();
  }
}

class ControlItems extends Sink<ControlFrame> {
  constructor(private readonly pipeline: OutboundPipeline) {
    super();
  }
  protected _next(frame: ControlFrame): void {
    this.pipeline.coalescer.control(frame);
  }
  protected _error(e: unknown): void {
    this.unsubscribe();
    this.pipeline.fail(e);
  }
  protected override _complete(): void {
    this.unsubscribe();
    this.pipeline.sourceDone();
  }
}

/** Resumes a paused queue when the channel drained. */
class Drain extends Sink<void> {
  constructor(private readonly pipeline: OutboundPipeline) {
    super();
  }
  protected _next(): void {
    this.pipeline.coalescer.out.pump();
  }
  protected _error(e: unknown): void {
    this.unsubscribe();
    this.pipeline.fail(e);
  }
}

/** The end of the microtask: what is pending goes out. */
function flushScheduled(this: SchedulerAction<Coalescer>, c?: Coalescer): void {
  c!.scheduled = undefined;
  c!.flushAll();
}

interface Pending {
  readonly type: DataFrameType;
  parts: BodyPart[];
  bytes: number;
}

/**
 * Coalescing: messages of one frame type collect until the end of the microtask or `targetBytes`.
 * At most two types are pending at once (SYNC, AWARENESS), flushed in the order they started.
 */
class Coalescer implements Unsubscribable {
  scheduled: Subscription | undefined;
  /** What is pending, oldest type first (`second` only while `first` is set). */
  private first: Pending | undefined;
  private second: Pending | undefined;
  private nextFragmentId = 0;
  /** Payload bytes of a body's parts: the target, never more than the channel carries. */
  private readonly limit: number;
  /** The largest message that still travels whole. */
  private readonly room: number;

  constructor(
    o: CoalesceOptions,
    readonly out: Pacer,
  ) {
    this.limit = Math.min(o.targetBytes, o.maxBodyBytes) - BODY_HEADER_BYTES;
    this.room = o.maxBodyBytes - 8 - partOverhead();
  }

  /** A control frame goes out after the data written before it. */
  control(frame: ControlFrame): void {
    this.flushAll();
    this.out.next(frame);
  }

  unsubscribe(): void {
    this.scheduled?.unsubscribe();
    this.scheduled = undefined;
    this.first = this.second = undefined;
  }

  flushAll(): void {
    this.scheduled?.unsubscribe();
    this.scheduled = undefined;
    const a = this.first;
    const b = this.second;
    this.first = this.second = undefined;
    if (a !== undefined) this.flush(a);
    if (b !== undefined) this.flush(b);
  }

  push(type: DataFrameType, message: Uint8Array, request: boolean): void {
    let p = this.pendingOf(type);
    if (message.length <= this.room) {
      const s = message.length + wholeOverhead(message.length);
      if (p !== undefined && p.parts.length > 0 && p.bytes + s > this.limit) this.flushType(p);
      p = this.pendingFor(type);
      p.parts.push({ t: request ? "request" : "whole", bytes: message });
      p.bytes += s;
    } else {
      p = this.pendingFor(type);
      const room = this.room;
      const total = Math.ceil(message.length / room);
      const id = this.nextFragmentId++ >>> 0;
      for (let i = 0; i < total; i++) p.parts.push({ t: "frag", id, index: i, total, bytes: message.subarray(i * room, (i + 1) * room) });
      p.bytes += message.length + total * partOverhead();
    }
    if (p.bytes >= this.limit) this.flushType(p);
    else this.scheduled ??= asapScheduler.schedule(flushScheduled, 0, this);
  }

  private pendingOf(type: DataFrameType): Pending | undefined {
    if (this.first?.type === type) return this.first;
    return this.second?.type === type ? this.second : undefined;
  }

  private pendingFor(type: DataFrameType): Pending {
    const p = this.pendingOf(type);
    if (p !== undefined) return p;
    const fresh: Pending = { type, parts: [], bytes: 0 };
    if (this.first === undefined) this.first = fresh;
    else this.second = fresh;
    return fresh;
  }

  /** Flush one type now (it is no longer pending; a later message of it starts after the other). */
  private flushType(p: Pending): void {
    if (this.first === p) {
      this.first = this.second;
      this.second = undefined;
    } else if (this.second === p) this.second = undefined;
    this.flush(p);
  }

  private flush(p: Pending): void {
    if (p.parts.length === 0) return;
    const { type } = p;
    let body: BodyPart[] = [];
    let size = 0;
    for (const part of p.parts) {
      const s = part.bytes.length + (part.t === "frag" ? partOverhead() : wholeOverhead(part.bytes.length));
      // A fragment always travels alone: it is sized to fill a body on its own.
      if (body.length > 0 && (part.t === "frag" || size + s > this.limit)) {
        this.out.next({ type, body: encodeBody(body) });
        body = [];
        size = 0;
      }
      body.push(part);
      size += s;
      if (part.t === "frag") {
        this.out.next({ type, body: encodeBody(body) });
        body = [];
        size = 0;
      }
    }
    if (body.length > 0) this.out.next({ type, body: encodeBody(body) });
    // The bodies hold copies now: the messages (document content, our own encodings) go.
    for (const part of p.parts) part.bytes.fill(0);
  }
}

/**
 * Seals and sends frames in order, holding them while the channel is above its high-water mark
 * and resuming on `drained$`. Emits the size of each frame sent. A send that throws on an open
 * channel is an error of the stream (the link reports it); on a closing channel the frame is
 * dropped (the channel reports its own close, and the next sync round repairs).
 */
class Pacer implements Unsubscribable {
  /** Frames held above the high-water mark (none while the channel keeps up). */
  private queue: ControlFrame[] | undefined;
  private paused = false;

  constructor(
    private readonly channel: Channel,
    private readonly sealer: Sealer,
    private readonly stats: SendStats,
    readonly out: Pick<Subscriber<number>, "next" | "error" | "complete">,
  ) {}

  next(f: ControlFrame): void {
    if (this.queue === undefined) {
      const { channel } = this;
      if (channel.state !== "open") return; // dropped, as a queue would be
      if (channel.bufferedAmount <= channel.highWaterMark) {
        this.paused = false;
        this.transmit(f);
        return;
      }
      this.queue = [];
    }
    this.queue.push(f);
    this.pump();
  }

  unsubscribe(): void {
    this.queue = undefined;
    this.stats.queued = 0;
  }

  pump(): void {
    const { queue, channel, stats } = this;
    if (queue === undefined) return;
    while (queue.length > 0) {
      if (channel.state !== "open") break;
      if (channel.bufferedAmount > channel.highWaterMark) {
        if (!this.paused) stats.pauses++;
        this.paused = true;
        stats.queued = queue.length;
        return;
      }
      this.paused = false;
      if (!this.transmit(queue.shift()!)) return;
    }
    if (this.queue === queue) this.queue = undefined;
    stats.queued = 0;
  }

  /** Seal and send one frame; false if that failed (what waited is dropped, the error passed on). */
  private transmit(f: ControlFrame): boolean {
    const { channel, stats } = this;
    let bytes: Uint8Array;
    try {
      bytes = this.sealer.seal(f);
      f.onSealed?.(bytes);
      channel.send(bytes);
    } catch (e) {
      this.queue = undefined;
      stats.queued = 0;
      if (channel.state === "open") this.out.error(e);
      return false;
    }
    stats.framesOut++;
    stats.bytesOut += bytes.length;
    this.out.next(bytes.length);
    return true;
  }
}
