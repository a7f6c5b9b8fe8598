/**
 * Outbound: y-protocols messages -> coalesced bodies -> sealed frames -> channel, with
 * back-pressure.
 *
 * Coalescing (perf-baselines §1/§6: werift resends tiny messages ~21 times, so frames must be
 * >= 1 KB where there is that much to say): messages of one frame type collect until the end of
 * the current microtask, or until `targetBytes` (16 KiB) are pending, then are packed into
 * bodies of at most `targetBytes` (a single larger message gets a body of its own; one larger
 * than the channel allows is split into fragments). Packing is length-prefixed concatenation
 * (codec.ts), never Y.mergeUpdates.
 *
 * Back-pressure: frames are sealed at the moment they are handed to the channel (so the epoch
 * and sequence order is the send order, which the rotation handover relies on), and only while
 * `bufferedAmount <= highWaterMark`; above it the sender pauses and resumes on `drained$`.
 */
import type { Channel } from "../adapters/transport/types.js";
import { FrameType, FRAME_HEADER_BYTES, FRAME_TAG_BYTES, type SecureChannel } from "../adapters/crypto/index.js";
import { BODY_HEADER_BYTES, encodeBody, partOverhead, wholeOverhead, type BodyPart } from "./codec.js";

export type DataFrameType = typeof FrameType.SYNC | typeof FrameType.AWARENESS;

export interface CoalescerOptions {
  /** Flush as soon as this many bytes are pending; also the body size target. */
  readonly targetBytes: number;
  /** Largest body the channel can carry (channel max message minus frame overhead). */
  readonly maxBodyBytes: number;
  readonly emit: (type: DataFrameType, body: Uint8Array) => void;
}

export interface CoalescerStats {
  messages: number;
  bodies: number;
  fragments: number;
}

/** Collects messages per data frame type and packs them into bodies. */
export class Coalescer {
  private readonly pending = new Map<DataFrameType, { parts: BodyPart[]; bytes: number }>();
  private scheduled = false;
  private nextFragmentId = 0;
  private dead = false;
  readonly stats: CoalescerStats = { messages: 0, bodies: 0, fragments: 0 };

  constructor(private readonly o: CoalescerOptions) {}

  push(type: DataFrameType, message: Uint8Array, request = false): void {
    if (this.dead) return;
    this.stats.messages++;
    const room = this.o.maxBodyBytes - 8 - partOverhead();
    const limit = this.bodyLimit();
    let p = this.pending.get(type);
    if (message.length <= room) {
      const s = message.length + wholeOverhead(message.length);
      // Would not fit the body being filled: send that one now, full, and start the next. (Flushing
      // only after crossing the bound left a one-update straggler frame behind every full body —
      // and tiny frames are what werift handles worst.)
      if (p !== undefined && p.parts.length > 0 && p.bytes + s > limit) this.flushType(type);
      p = this.pendingFor(type);
      p.parts.push({ t: request ? "request" : "whole", bytes: message });
      p.bytes += s;
    } else {
      p = this.pendingFor(type);
      const total = Math.ceil(message.length / room);
      const id = this.nextFragmentId++ >>> 0;
      for (let i = 0; i < total; i++) {
        p.parts.push({ t: "frag", id, index: i, total, bytes: message.subarray(i * room, (i + 1) * room) });
        this.stats.fragments++;
      }
      p.bytes += message.length + total * partOverhead();
    }
    if (p.bytes >= limit) this.flushType(type);
    else this.schedule();
  }

  private pendingFor(type: DataFrameType): { parts: BodyPart[]; bytes: number } {
    let p = this.pending.get(type);
    if (p === undefined) {
      p = { parts: [], bytes: 0 };
      this.pending.set(type, p);
    }
    return p;
  }

  /** Payload bytes of a body's parts: the target, never more than the channel carries. */
  private bodyLimit(): number {
    return Math.min(this.o.targetBytes, this.o.maxBodyBytes) - BODY_HEADER_BYTES;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  flush(): void {
    for (const type of [...this.pending.keys()]) this.flushType(type);
  }

  private flushType(type: DataFrameType): void {
    const p = this.pending.get(type);
    if (p === undefined || p.parts.length === 0 || this.dead) return;
    this.pending.delete(type);
    let body: BodyPart[] = [];
    let size = 0;
    // A body never outgrows the channel, whatever coalesceBytes says.
    const limit = this.bodyLimit();
    const out = () => {
      if (body.length === 0) return;
      this.stats.bodies++;
      this.o.emit(type, encodeBody(body));
      body = [];
      size = 0;
    };
    for (const part of p.parts) {
      const s = part.bytes.length + (part.t === "frag" ? partOverhead() : wholeOverhead(part.bytes.length));
      // A fragment always travels alone: it is sized to fill a body on its own.
      if (body.length > 0 && (part.t === "frag" || size + s > limit)) out();
      body.push(part);
      size += s;
      if (part.t === "frag") out();
    }
    out();
  }

  /** Drop everything pending (the channel went away; the next sync round repairs). */
  clear(): void {
    this.pending.clear();
  }

  stop(): void {
    this.dead = true;
    this.pending.clear();
  }
}

interface QueuedFrame {
  readonly type: FrameType;
  readonly body: Uint8Array;
  readonly onSealed?: (frame: Uint8Array) => void;
}

export interface SenderStats {
  framesSent: number;
  bytesSent: number;
  pauses: number;
}

/** Seals and sends frames in order, pausing above the channel's high-water mark. */
export class Sender {
  private readonly queue: QueuedFrame[] = [];
  private paused = false;
  private stopped = false;
  readonly stats: SenderStats = { framesSent: 0, bytesSent: 0, pauses: 0 };

  constructor(
    private readonly channel: Channel,
    private readonly sc: SecureChannel,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** Largest body a frame on this channel can carry. */
  static maxBody(channel: Channel, cryptoMaxFrame = 1 << 20): number {
    return Math.min(channel.maxMessageSize, cryptoMaxFrame) - FRAME_HEADER_BYTES - FRAME_TAG_BYTES;
  }

  get queued(): number {
    return this.queue.length;
  }
  get isPaused(): boolean {
    return this.paused;
  }

  enqueue(type: FrameType, body: Uint8Array, onSealed?: (frame: Uint8Array) => void): void {
    if (this.stopped) return;
    this.queue.push(onSealed ? { type, body, onSealed } : { type, body });
    this.pump();
  }

  /** Seal and send now, ahead of the queue and regardless of back-pressure (BYE at the end). */
  sendNow(type: FrameType, body: Uint8Array): boolean {
    if (this.stopped || this.channel.state !== "open") return false;
    try {
      this.channel.send(this.sc.seal(type, body));
      return true;
    } catch (e) {
      this.onError(e);
      return false;
    }
  }

  /** Send raw bytes already sealed earlier (a repeated ROTATE_ACK). */
  sendSealed(frame: Uint8Array): void {
    if (this.stopped || this.channel.state !== "open") return;
    try {
      this.channel.send(frame);
    } catch (e) {
      this.onError(e);
    }
  }

  /** Called on drained$ and after each enqueue. */
  pump(): void {
    while (!this.stopped && this.queue.length > 0) {
      if (this.channel.state !== "open") return;
      if (this.channel.bufferedAmount > this.channel.highWaterMark) {
        if (!this.paused) this.stats.pauses++;
        this.paused = true;
        return;
      }
      this.paused = false;
      const f = this.queue.shift()!;
      let frame: Uint8Array;
      try {
        frame = this.sc.seal(f.type, f.body);
        f.onSealed?.(frame);
        this.channel.send(frame);
      } catch (e) {
        this.onError(e);
        return;
      }
      this.stats.framesSent++;
      this.stats.bytesSent += frame.length;
    }
  }

  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }
}
