/**
 * The outbound pipeline's operators: y-protocols messages and control frames -> coalesced bodies
 * -> sealed frames -> channel, paced by the channel's drain signal.
 *
 *   outboundItems(data$, control$, allowed).pipe(coalesceFrames(…), sendPaced(channel, seal, stats))
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
import { asapScheduler, Observable, type Observer, type OperatorFunction, type SchedulerAction, type Subscriber, type Subscription, type Unsubscribable } from "rxjs";
import type { CrdtMessage } from "../adapters/crdt/types.js";
import type { Channel } from "../adapters/transport/types.js";
import { FrameType, FRAME_HEADER_BYTES, FRAME_TAG_BYTES } from "../adapters/crypto/index.js";
import { BODY_HEADER_BYTES, encodeBody, partOverhead, wholeOverhead, type BodyPart } from "./codec.js";
import type { ControlFrame } from "./scope.js";

export type DataFrameType = typeof FrameType.SYNC | typeof FrameType.AWARENESS;

export type OutboundItem =
  | { readonly kind: "data"; readonly type: DataFrameType; readonly bytes: Uint8Array; readonly request: boolean }
  | { readonly kind: "control"; readonly frame: ControlFrame };

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

interface Pending {
  parts: BodyPart[];
  bytes: number;
}

/*
 * The stages below are one object per subscription with their steps as methods: a link lives as
 * long as its session, and an operator chain (map, filter, merge, …) keeps a subscriber and a few
 * closures per step for all that time (docs/performance.md, "idle paired session heap").
 */

/**
 * The pipeline's input: the CRDT's messages as data items while `allowed()` (strict verification
 * holds sync until both devices confirmed; a message held back is zeroed, the next sync round
 * carries it), merged with the control frames. Completes when both sources have.
 */
export function outboundItems(data$: Observable<CrdtMessage>, control$: Observable<ControlFrame>, allowed: () => boolean): Observable<OutboundItem> {
  return new Observable<OutboundItem>((out) => {
    const items = new OutboundItems(out, allowed);
    items.data = data$.subscribe(items);
    items.control = control$.subscribe(new ControlItems(items));
    return items;
  });
}

class OutboundItems implements Observer<CrdtMessage>, Unsubscribable {
  data: Subscription | undefined;
  control: Subscription | undefined;
  private open = 2;
  constructor(
    readonly out: Subscriber<OutboundItem>,
    private readonly allowed: () => boolean,
  ) {}

  next(m: CrdtMessage): void {
    if (!this.allowed()) {
      m.bytes.fill(0);
      return;
    }
    this.out.next({ kind: "data", type: m.kind === "sync" ? FrameType.SYNC : FrameType.AWARENESS, bytes: m.bytes, request: m.request === true });
  }

  error(e: unknown): void {
    this.out.error(e);
  }

  complete(): void {
    if (--this.open === 0) this.out.complete();
  }

  unsubscribe(): void {
    this.data?.unsubscribe();
    this.control?.unsubscribe();
  }
}

class ControlItems implements Observer<ControlFrame> {
  constructor(private readonly items: OutboundItems) {}
  next(frame: ControlFrame): void {
    this.items.out.next({ kind: "control", frame });
  }
  error(e: unknown): void {
    this.items.error(e);
  }
  complete(): void {
    this.items.complete();
  }
}

/** Packs data items into bodies per frame type; control frames pass through after a flush. */
export function coalesceFrames(o: CoalesceOptions): OperatorFunction<OutboundItem, ControlFrame> {
  return (source) =>
    new Observable<ControlFrame>((out) => {
      const c = new Coalescer(o, out);
      c.source = source.subscribe(c);
      return c;
    });
}

/** The end of the microtask: what is pending goes out. */
function flushScheduled(this: SchedulerAction<Coalescer>, c?: Coalescer): void {
  c!.scheduled = undefined;
  c!.flushAll();
}

class Coalescer implements Observer<OutboundItem>, Unsubscribable {
  source: Subscription | undefined;
  scheduled: Subscription | undefined;
  private readonly pending = new Map<DataFrameType, Pending>();
  private nextFragmentId = 0;
  /** Payload bytes of a body's parts: the target, never more than the channel carries. */
  private readonly limit: number;
  /** The largest message that still travels whole. */
  private readonly room: number;

  constructor(
    o: CoalesceOptions,
    private readonly out: Subscriber<ControlFrame>,
  ) {
    this.limit = Math.min(o.targetBytes, o.maxBodyBytes) - BODY_HEADER_BYTES;
    this.room = o.maxBodyBytes - 8 - partOverhead();
  }

  next(item: OutboundItem): void {
    if (item.kind === "data") this.push(item.type, item.bytes, item.request);
    else {
      this.flushAll();
      this.out.next(item.frame);
    }
  }

  error(e: unknown): void {
    this.out.error(e);
  }

  complete(): void {
    this.flushAll();
    this.out.complete();
  }

  unsubscribe(): void {
    this.source?.unsubscribe();
    this.scheduled?.unsubscribe();
    this.pending.clear();
  }

  flushAll(): void {
    this.scheduled?.unsubscribe();
    this.scheduled = undefined;
    for (const type of [...this.pending.keys()]) this.flushType(type);
  }

  private flushType(type: DataFrameType): void {
    const p = this.pending.get(type);
    if (p === undefined || p.parts.length === 0) return;
    this.pending.delete(type);
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

  private pendingFor(type: DataFrameType): Pending {
    let p = this.pending.get(type);
    if (p === undefined) {
      p = { parts: [], bytes: 0 };
      this.pending.set(type, p);
    }
    return p;
  }

  private push(type: DataFrameType, message: Uint8Array, request: boolean): void {
    let p = this.pending.get(type);
    if (message.length <= this.room) {
      const s = message.length + wholeOverhead(message.length);
      if (p !== undefined && p.parts.length > 0 && p.bytes + s > this.limit) this.flushType(type);
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
    if (p.bytes >= this.limit) this.flushType(type);
    else this.scheduled ??= asapScheduler.schedule(flushScheduled, 0, this);
  }
}

export interface SendStats {
  framesOut: number;
  bytesOut: number;
  pauses: number;
  queued: number;
}

/**
 * Seals and sends frames in order, holding them while the channel is above its high-water mark
 * and resuming on `drained$`. Emits the size of each frame sent. A send that throws on an open
 * channel is an error of the stream (the link reports it); on a closing channel the frame is
 * dropped (the channel reports its own close, and the next sync round repairs).
 */
export function sendPaced(
  channel: Channel,
  seal: (frame: ControlFrame) => Uint8Array,
  stats: SendStats,
): OperatorFunction<ControlFrame, number> {
  return (source) =>
    new Observable<number>((out) => {
      const p = new Pacer(channel, seal, stats, out);
      p.drained = channel.drained$.subscribe(new Drain(p));
      p.source = source.subscribe(p);
      return p;
    });
}

/** Resumes a paused queue when the channel drained. */
class Drain implements Partial<Observer<void>> {
  constructor(private readonly p: Pacer) {}
  next(): void {
    this.p.pump();
  }
}

class Pacer implements Observer<ControlFrame>, Unsubscribable {
  source: Subscription | undefined;
  drained: Subscription | undefined;
  private readonly queue: ControlFrame[] = [];
  private paused = false;

  constructor(
    private readonly channel: Channel,
    private readonly seal: (frame: ControlFrame) => Uint8Array,
    private readonly stats: SendStats,
    private readonly out: Subscriber<number>,
  ) {}

  next(f: ControlFrame): void {
    this.queue.push(f);
    this.pump();
  }

  error(e: unknown): void {
    this.out.error(e);
  }

  complete(): void {
    this.out.complete();
  }

  unsubscribe(): void {
    this.source?.unsubscribe();
    this.drained?.unsubscribe();
    this.queue.length = 0;
    this.stats.queued = 0;
  }

  pump(): void {
    const { queue, channel, stats } = this;
    while (queue.length > 0) {
      if (channel.state !== "open") {
        queue.length = 0;
        break;
      }
      if (channel.bufferedAmount > channel.highWaterMark) {
        if (!this.paused) stats.pauses++;
        this.paused = true;
        break;
      }
      this.paused = false;
      const f = queue.shift()!;
      let bytes: Uint8Array;
      try {
        bytes = this.seal(f);
        f.onSealed?.(bytes);
        channel.send(bytes);
      } catch (e) {
        queue.length = 0;
        stats.queued = 0;
        if (channel.state === "open") this.out.error(e);
        return;
      }
      stats.framesOut++;
      stats.bytesOut += bytes.length;
      this.out.next(bytes.length);
    }
    stats.queued = queue.length;
  }
}
