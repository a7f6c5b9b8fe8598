/**
 * The outbound operators: coalescing fills bodies to the target without straggler frames and
 * loses nothing; a control frame goes out after the data queued before it; pacing holds frames
 * above the high-water mark and sends them, sealed in order, on drained$; the fused pipeline the
 * link uses does all three, passes data only while sync is allowed, and ends cleanly.
 */
import { describe, expect, it } from "vitest";
import { from, lastValueFrom, Subject } from "rxjs";
import { FrameType } from "../../src/adapters/crypto/index.js";
import type { Channel } from "../../src/adapters/transport/types.js";
import { decodeBody } from "../../src/runtime/codec.js";
import type { CrdtMessage } from "../../src/adapters/crdt/types.js";
import { outboundFrames, type SendStats } from "../../src/runtime/outbound.js";
import type { ControlFrame } from "../../src/runtime/scope.js";

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

const EMPTY_CONTROL = from([] as ControlFrame[]);
const noStats = (): SendStats => ({ framesOut: 0, bytesOut: 0, pauses: 0, queued: 0 });

/** The frames the pipeline hands to its sealer for `messages` (sync allowed, no control frames). */
async function coalesced(messages: Uint8Array[], o: { targetBytes: number; maxBodyBytes: number }): Promise<ControlFrame[]> {
  const frames: ControlFrame[] = [];
  const sealer = { seal: (f: ControlFrame) => (frames.push({ type: f.type, body: f.body.slice() }), f.body) };
  const data$ = from(messages.map((bytes): CrdtMessage => ({ kind: "sync", bytes })));
  await lastValueFrom(outboundFrames(data$, EMPTY_CONTROL, { value: true }, o, fakeChannel(1 << 30).channel, sealer, noStats()), { defaultValue: 0 });
  return frames;
}

describe("coalescing", () => {
  it("fills bodies up to the target without a straggler frame, in order, nothing lost", async () => {
    const msgs = Array.from({ length: 100 }, (_, i) => new Uint8Array(37).fill(i + 1));
    const sent = msgs.map((m) => m.slice()); // the pipeline zeroes what it packed
    const frames = await coalesced(sent, { targetBytes: 1000, maxBodyBytes: 64 * 1024 });
    // 39 bytes per part (tag + length + 37), at most 997 per body: 25 parts a body, 4 bodies.
    expect(frames.length).toBe(4);
    for (const f of frames) expect(f.body.length).toBeLessThanOrEqual(1000);
    expect(frames.flatMap((f) => decodeBody(f.body).map((p) => p.bytes))).toEqual(msgs);
    expect(sent.every((m) => m.every((b) => b === 0))).toBe(true); // no copy of the content left behind
  });

  it("flushes the pending data before a control frame, and the rest at the end of the microtask", async () => {
    const data$ = new Subject<CrdtMessage>();
    const control$ = new Subject<ControlFrame>();
    const out: number[] = [];
    const sealer = { seal: (f: ControlFrame) => (out.push(f.type), f.body) };
    outboundFrames(data$, control$, { value: true }, { targetBytes: 16 * 1024, maxBodyBytes: 64 * 1024 }, fakeChannel(1 << 30).channel, sealer, noStats()).subscribe();
    data$.next({ kind: "sync", bytes: new Uint8Array([1]) });
    control$.next({ type: FrameType.PING, body: new Uint8Array(0) });
    data$.next({ kind: "sync", bytes: new Uint8Array([2]) });
    expect(out).toEqual([FrameType.SYNC, FrameType.PING]);
    await Promise.resolve();
    expect(out).toEqual([FrameType.SYNC, FrameType.PING, FrameType.SYNC]);
  });

  it("splits a message larger than the channel into fragments that travel alone", async () => {
    const big = new Uint8Array(10_000).fill(7);
    const frames = await coalesced([big.slice()], { targetBytes: 16 * 1024, maxBodyBytes: 4096 });
    expect(frames.length).toBeGreaterThan(2);
    const parts = frames.flatMap((f) => decodeBody(f.body));
    expect(parts.every((p) => p.t === "frag")).toBe(true);
    expect(Buffer.concat(parts.map((p) => p.bytes))).toEqual(Buffer.from(big));
  });
});

describe("pacing", () => {
  it("holds frames above the high-water mark, seals in order at send time, resumes on drained$", () => {
    const { channel, sent, drain } = fakeChannel(100);
    const stats = noStats();
    let sealed = 0;
    const control$ = new Subject<ControlFrame>();
    const sealer = { seal: (f: ControlFrame) => Uint8Array.of(sealed++, ...f.body) };
    outboundFrames(new Subject<CrdtMessage>(), control$, { value: true }, { targetBytes: 16 * 1024, maxBodyBytes: 64 * 1024 }, channel, sealer, stats).subscribe();
    for (let i = 0; i < 5; i++) control$.next({ type: FrameType.SYNC, body: new Uint8Array(60).fill(i) });
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

describe("outboundFrames (the link's fused pipeline)", () => {
  const EMPTY = new Uint8Array(0);
  const setup = (highWaterMark = 1 << 20) => {
    const data$ = new Subject<CrdtMessage>();
    const control$ = new Subject<ControlFrame>();
    const allowed = { value: false };
    const fake = fakeChannel(highWaterMark);
    const stats: SendStats = { framesOut: 0, bytesOut: 0, pauses: 0, queued: 0 };
    const sealedTypes: number[] = [];
    const sealer = { seal: (f: ControlFrame) => (sealedTypes.push(f.type), Uint8Array.of(f.type, ...f.body)) };
    const frames$ = outboundFrames(data$, control$, allowed, { targetBytes: 16 * 1024, maxBodyBytes: 64 * 1024 }, fake.channel, sealer, stats);
    return { data$, control$, allowed, ...fake, stats, sealedTypes, frames$ };
  };

  it("passes data only while sync is allowed (a held-back message is zeroed), control always, coalesced, and completes after both", async () => {
    const t = setup();
    const sizes: number[] = [];
    let completed = false;
    t.frames$.subscribe({ next: (n) => sizes.push(n), complete: () => (completed = true) });
    const held = Uint8Array.of(1, 2, 3);
    t.data$.next({ kind: "sync", bytes: held });
    t.control$.next({ type: FrameType.PING, body: EMPTY });
    expect(held).toEqual(new Uint8Array(3));
    t.allowed.value = true;
    const a = Uint8Array.of(4);
    const b = Uint8Array.of(5);
    t.data$.next({ kind: "awareness", bytes: a.slice(), request: true });
    t.data$.next({ kind: "awareness", bytes: b.slice() });
    expect(t.sealedTypes).toEqual([FrameType.PING]); // data waits for the end of the microtask
    await Promise.resolve();
    expect(t.sealedTypes).toEqual([FrameType.PING, FrameType.AWARENESS]); // both in one frame
    const parts = decodeBody(t.sent[1]!.subarray(1));
    expect(parts.map((p) => [p.t, [...p.bytes]])).toEqual([["request", [4]], ["whole", [5]]]);
    expect(sizes).toEqual(t.sent.map((f) => f.length));
    t.data$.next({ kind: "sync", bytes: Uint8Array.of(6) });
    t.data$.complete();
    expect(completed).toBe(false);
    t.control$.complete(); // what was pending goes first
    expect(t.sealedTypes).toEqual([FrameType.PING, FrameType.AWARENESS, FrameType.SYNC]);
    expect(completed).toBe(true);
    expect([t.data$.observed, t.control$.observed, (t.channel.drained$ as Subject<void>).observed]).toEqual([false, false, false]);
  });

  it("flushes pending data of both types in the order they started, before a control frame", () => {
    const t = setup();
    t.allowed.value = true;
    t.frames$.subscribe();
    t.data$.next({ kind: "awareness", bytes: Uint8Array.of(1) });
    t.data$.next({ kind: "sync", bytes: Uint8Array.of(2) });
    t.data$.next({ kind: "awareness", bytes: Uint8Array.of(3) });
    t.control$.next({ type: FrameType.PONG, body: EMPTY });
    expect(t.sealedTypes).toEqual([FrameType.AWARENESS, FrameType.SYNC, FrameType.PONG]);
  });

  it("paces on the channel's drain, and unsubscribing lets go of every source", () => {
    const t = setup(10);
    t.allowed.value = true;
    const sub = t.frames$.subscribe();
    for (let i = 0; i < 3; i++) t.control$.next({ type: FrameType.PING, body: new Uint8Array(8) });
    expect(t.sent.length).toBe(2);
    expect(t.stats).toMatchObject({ framesOut: 2, pauses: 1, queued: 1 });
    t.drain();
    expect(t.sent.length).toBe(3);
    expect(t.stats.queued).toBe(0);
    sub.unsubscribe();
    expect([t.data$.observed, t.control$.observed, (t.channel.drained$ as Subject<void>).observed]).toEqual([false, false, false]);
  });
});
