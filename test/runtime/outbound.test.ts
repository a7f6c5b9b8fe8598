/**
 * The outbound operators on their own: coalescing fills bodies to the target without straggler
 * frames and loses nothing; a control frame goes out after the data queued before it; pacing
 * holds frames above the high-water mark and sends them, sealed in order, on drained$.
 */
import { describe, expect, it } from "vitest";
import { firstValueFrom, from, Subject, toArray } from "rxjs";
import { FrameType } from "../../src/adapters/crypto/index.js";
import type { Channel } from "../../src/adapters/transport/types.js";
import { decodeBody } from "../../src/runtime/codec.js";
import type { CrdtMessage } from "../../src/adapters/crdt/types.js";
import { coalesceFrames, outboundItems, sendPaced, type OutboundItem, type SendStats } from "../../src/runtime/outbound.js";
import type { ControlFrame } from "../../src/runtime/scope.js";

const data = (bytes: Uint8Array): OutboundItem => ({ kind: "data", type: FrameType.SYNC, bytes, request: false });

describe("outboundItems", () => {
  it("passes data only while sync is allowed (a held-back message is zeroed), control always, and completes after both", () => {
    const data$ = new Subject<CrdtMessage>();
    const control$ = new Subject<ControlFrame>();
    let allowed = false;
    const items: OutboundItem[] = [];
    let completed = false;
    outboundItems(data$, control$, () => allowed).subscribe({ next: (i) => items.push(i), complete: () => (completed = true) });
    const held = Uint8Array.of(1, 2, 3);
    data$.next({ kind: "sync", bytes: held });
    control$.next({ type: FrameType.PING, body: new Uint8Array(0) });
    allowed = true;
    data$.next({ kind: "awareness", bytes: Uint8Array.of(4), request: true });
    expect(held).toEqual(new Uint8Array(3));
    expect(items.map((i) => (i.kind === "data" ? ["data", i.type, i.request] : ["control", i.frame.type]))).toEqual([
      ["control", FrameType.PING],
      ["data", FrameType.AWARENESS, true],
    ]);
    data$.complete();
    expect(completed).toBe(false);
    control$.complete();
    expect(completed).toBe(true);
  });
});

describe("coalesceFrames", () => {
  it("fills bodies up to the target without a straggler frame, in order, nothing lost", async () => {
    const msgs = Array.from({ length: 100 }, (_, i) => new Uint8Array(37).fill(i + 1));
    const sent = msgs.map((m) => m.slice()); // the operator zeroes what it packed
    const frames = await firstValueFrom(from(sent.map(data)).pipe(coalesceFrames({ targetBytes: 1000, maxBodyBytes: 64 * 1024 }), toArray()));
    // 39 bytes per part (tag + length + 37), at most 997 per body: 25 parts a body, 4 bodies.
    expect(frames.length).toBe(4);
    for (const f of frames) expect(f.body.length).toBeLessThanOrEqual(1000);
    expect(frames.flatMap((f) => decodeBody(f.body).map((p) => p.bytes))).toEqual(msgs);
    expect(sent.every((m) => m.every((b) => b === 0))).toBe(true); // no copy of the content left behind
  });

  it("flushes the pending data before a control frame, and the rest at the end of the microtask", async () => {
    const items = new Subject<OutboundItem>();
    const out: ControlFrame[] = [];
    items.pipe(coalesceFrames({ targetBytes: 16 * 1024, maxBodyBytes: 64 * 1024 })).subscribe((f) => out.push(f));
    items.next(data(new Uint8Array([1])));
    items.next({ kind: "control", frame: { type: FrameType.PING, body: new Uint8Array(0) } });
    items.next(data(new Uint8Array([2])));
    expect(out.map((f) => f.type)).toEqual([FrameType.SYNC, FrameType.PING]);
    await Promise.resolve();
    expect(out.map((f) => f.type)).toEqual([FrameType.SYNC, FrameType.PING, FrameType.SYNC]);
  });

  it("splits a message larger than the channel into fragments that travel alone", async () => {
    const big = new Uint8Array(10_000).fill(7);
    const frames = await firstValueFrom(from([data(big.slice())]).pipe(coalesceFrames({ targetBytes: 16 * 1024, maxBodyBytes: 4096 }), toArray()));
    expect(frames.length).toBeGreaterThan(2);
    const parts = frames.flatMap((f) => decodeBody(f.body));
    expect(parts.every((p) => p.t === "frag")).toBe(true);
    expect(Buffer.concat(parts.map((p) => p.bytes))).toEqual(Buffer.from(big));
  });
});

/** A channel whose buffer the test drains by hand. */
function fakeChannel(highWaterMark: number) {
  const drained$ = new Subject<void>();
  const sent: Uint8Array[] = [];
  let buffered = 0;
  const channel = {
    state: "open",
    highWaterMark,
    get bufferedAmount() {
      return buffered;
    },
    drained$,
    send(b: Uint8Array) {
      sent.push(b);
      buffered += b.length;
    },
  } as unknown as Channel;
  return { channel, sent, drain: () => ((buffered = 0), drained$.next()) };
}

describe("sendPaced", () => {
  it("holds frames above the high-water mark, seals in order at send time, resumes on drained$", () => {
    const { channel, sent, drain } = fakeChannel(100);
    const stats: SendStats = { framesOut: 0, bytesOut: 0, pauses: 0, queued: 0 };
    let sealed = 0;
    const frames = new Subject<ControlFrame>();
    frames.pipe(sendPaced(channel, (f) => Uint8Array.of(sealed++, ...f.body), stats)).subscribe();
    for (let i = 0; i < 5; i++) frames.next({ type: FrameType.SYNC, body: new Uint8Array(60).fill(i) });
    expect(sent.length).toBe(2); // 61 bytes, then 122 > 100: the rest wait
    expect(stats).toMatchObject({ framesOut: 2, pauses: 1, queued: 3 });
    drain();
    expect(sent.length).toBe(4);
    drain();
    expect(sent.length).toBe(5);
    expect(sent.map((b) => b[0])).toEqual([0, 1, 2, 3, 4]); // sealed in send order
    expect(sent.map((b) => b[1])).toEqual([0, 1, 2, 3, 4]);
    expect(stats.queued).toBe(0);
  });
});
