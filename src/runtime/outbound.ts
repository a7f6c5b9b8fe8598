/**
 * The outbound pipeline's operators: y-protocols messages and control frames -> coalesced bodies
 * -> sealed frames -> channel, paced by the channel's drain signal.
 *
 *   merge(data$, control$).pipe(coalesceFrames(…), sendPaced(channel, seal, stats))
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
import { asapScheduler, Observable, type OperatorFunction, type Subscription } from "rxjs";
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

/** Packs data items into bodies per frame type; control frames pass through after a flush. */
export function coalesceFrames(o: CoalesceOptions): OperatorFunction<OutboundItem, ControlFrame> {
  return (source) =>
    new Observable<ControlFrame>((out) => {
      const pending = new Map<DataFrameType, Pending>();
      let scheduled: Subscription | undefined;
      let nextFragmentId = 0;
      // Payload bytes of a body's parts: the target, never more than the channel carries.
      const limit = Math.min(o.targetBytes, o.maxBodyBytes) - BODY_HEADER_BYTES;
      const room = o.maxBodyBytes - 8 - partOverhead();

      const flushType = (type: DataFrameType): void => {
        const p = pending.get(type);
        if (p === undefined || p.parts.length === 0) return;
        pending.delete(type);
        let body: BodyPart[] = [];
        let size = 0;
        const emit = () => {
          if (body.length === 0) return;
          out.next({ type, body: encodeBody(body) });
          body = [];
          size = 0;
        };
        for (const part of p.parts) {
          const s = part.bytes.length + (part.t === "frag" ? partOverhead() : wholeOverhead(part.bytes.length));
          // A fragment always travels alone: it is sized to fill a body on its own.
          if (body.length > 0 && (part.t === "frag" || size + s > limit)) emit();
          body.push(part);
          size += s;
          if (part.t === "frag") emit();
        }
        emit();
        // The bodies hold copies now: the messages (document content, our own encodings) go.
        for (const part of p.parts) part.bytes.fill(0);
      };
      const flushAll = (): void => {
        scheduled?.unsubscribe();
        scheduled = undefined;
        for (const type of [...pending.keys()]) flushType(type);
      };
      const pendingFor = (type: DataFrameType): Pending => {
        let p = pending.get(type);
        if (p === undefined) {
          p = { parts: [], bytes: 0 };
          pending.set(type, p);
        }
        return p;
      };
      const push = (type: DataFrameType, message: Uint8Array, request: boolean): void => {
        let p = pending.get(type);
        if (message.length <= room) {
          const s = message.length + wholeOverhead(message.length);
          if (p !== undefined && p.parts.length > 0 && p.bytes + s > limit) flushType(type);
          p = pendingFor(type);
          p.parts.push({ t: request ? "request" : "whole", bytes: message });
          p.bytes += s;
        } else {
          p = pendingFor(type);
          const total = Math.ceil(message.length / room);
          const id = nextFragmentId++ >>> 0;
          for (let i = 0; i < total; i++) p.parts.push({ t: "frag", id, index: i, total, bytes: message.subarray(i * room, (i + 1) * room) });
          p.bytes += message.length + total * partOverhead();
        }
        if (p.bytes >= limit) flushType(type);
        else scheduled ??= asapScheduler.schedule(() => {
          scheduled = undefined;
          flushAll();
        });
      };

      const sub = source.subscribe({
        next: (item) => {
          if (item.kind === "data") push(item.type, item.bytes, item.request);
          else {
            flushAll();
            out.next(item.frame);
          }
        },
        error: (e: unknown) => out.error(e),
        complete: () => {
          flushAll();
          out.complete();
        },
      });
      return () => {
        sub.unsubscribe();
        scheduled?.unsubscribe();
        pending.clear();
      };
    });
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
      const queue: ControlFrame[] = [];
      let paused = false;
      const pump = (): void => {
        while (queue.length > 0) {
          if (channel.state !== "open") {
            queue.length = 0;
            break;
          }
          if (channel.bufferedAmount > channel.highWaterMark) {
            if (!paused) stats.pauses++;
            paused = true;
            break;
          }
          paused = false;
          const f = queue.shift()!;
          let bytes: Uint8Array;
          try {
            bytes = seal(f);
            f.onSealed?.(bytes);
            channel.send(bytes);
          } catch (e) {
            queue.length = 0;
            stats.queued = 0;
            if (channel.state === "open") out.error(e);
            return;
          }
          stats.framesOut++;
          stats.bytesOut += bytes.length;
          out.next(bytes.length);
        }
        stats.queued = queue.length;
      };
      const drained = channel.drained$.subscribe(pump);
      const sub = source.subscribe({
        next: (f) => {
          queue.push(f);
          pump();
        },
        error: (e: unknown) => out.error(e),
        complete: () => out.complete(),
      });
      return () => {
        sub.unsubscribe();
        drained.unsubscribe();
        queue.length = 0;
        stats.queued = 0;
      };
    });
}
