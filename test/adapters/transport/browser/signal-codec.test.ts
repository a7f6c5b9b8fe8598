/**
 * The one WebRTC signal codec (src/adapters/transport/webrtc/signal-codec.ts) both transports use
 * (werift in Node, RTCPeerConnection in browsers): the exact bytes it writes, round trips, and a
 * BadSignalError — never another error, never a value — for every malformed class of input.
 */
import { describe, expect, it } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { encodeSignal, signalDecoder } from "../../../../src/adapters/transport/webrtc/signal-codec.js";

const MAX = 2048;
const decode = signalDecoder(MAX);
const enc = new TextEncoder();

type Verdict = { ok: true; value: unknown } | { ok: false; name: string };
const verdict = (input: unknown): Verdict => {
  try {
    return { ok: true, value: decode(input) };
  } catch (e) {
    return { ok: false, name: (e as Error).name };
  }
};

const signal = fc.record({
  v: fc.constant(1 as const),
  type: fc.constantFrom("offer" as const, "answer" as const),
  sdp: fc.string({ minLength: 1, maxLength: 300, unit: "grapheme" }),
});
/** JSON text of an object (as bytes) that is a signal except for one defect. */
const malformedJson = fc.oneof(
  signal.map((s) => ({ ...s, extra: 1 })),
  signal.map((s) => ({ ...s, v: 2 })),
  signal.map((s) => ({ ...s, v: "1" })),
  signal.map((s) => ({ ...s, type: "pranswer" })),
  signal.map((s) => ({ ...s, sdp: "" })),
  signal.map((s) => ({ ...s, sdp: 7 })),
  signal.map((s) => ({ ...s, sdp: "x".repeat(MAX + 1) })),
  signal.map(({ v, type }) => ({ v, type })),
  signal.map(({ type, sdp }) => ({ type, sdp })),
  signal.map(({ v, sdp }) => ({ v, sdp })),
  signal.map((s) => [s]),
  fc.constantFrom(null, 1, "offer", true, []),
);

describe("WebRTC signal codec", () => {
  test.prop([signal], { numRuns: 300 })("writes exactly JSON {v,type,sdp} as UTF-8 and reads it back", (s) => {
    const bytes = encodeSignal(s);
    expect(new TextDecoder().decode(bytes)).toBe(`{"v":1,"type":"${s.type}","sdp":${JSON.stringify(s.sdp)}}`);
    expect(decode(bytes)).toEqual(s);
  });

  test.prop([signal], { numRuns: 200 })("accepts the same fields in any key order, returning only those fields", (s) => {
    const reordered = enc.encode(JSON.stringify({ sdp: s.sdp, v: s.v, type: s.type }));
    expect(decode(reordered)).toStrictEqual({ v: s.v, type: s.type, sdp: s.sdp });
  });

  test.prop([malformedJson], { numRuns: 500 })("rejects JSON that is not exactly a v1 offer/answer signal", (x) => {
    expect(verdict(enc.encode(JSON.stringify(x)))).toEqual({ ok: false, name: "BadSignalError" });
  });

  test.prop([signal, fc.integer({ min: 1, max: 64 })], { numRuns: 200 })("rejects a signal truncated anywhere", (s, cut) => {
    const bytes = encodeSignal(s);
    const truncated = bytes.subarray(0, Math.max(0, bytes.byteLength - cut));
    expect(verdict(truncated)).toEqual({ ok: false, name: "BadSignalError" });
  });

  test.prop([fc.uint8Array({ maxLength: 64 })], { numRuns: 500 })("never throws anything but BadSignalError on random bytes", (bytes) => {
    const v = verdict(bytes);
    if (!v.ok) expect(v.name).toBe("BadSignalError");
  });

  it("rejects non-bytes, oversize input, invalid UTF-8, non-JSON and a __proto__ key", () => {
    const bad: unknown[] = [
      null, "offer", 42, [1], new ArrayBuffer(4),
      new Uint8Array(MAX + 1),
      new Uint8Array([0x7b, 0xff, 0x7d]),
      enc.encode("{v:1}"),
      enc.encode(""),
      enc.encode('{"v":1,"type":"offer","sdp":"x","__proto__":{}}'),
    ];
    for (const b of bad) expect(verdict(b)).toEqual({ ok: false, name: "BadSignalError" });
    // An SDP that fits the byte bound as text but pushes the whole signal past it.
    const big = encodeSignal({ v: 1, type: "offer", sdp: "x".repeat(MAX) });
    expect(big.byteLength).toBeGreaterThan(MAX);
    expect(verdict(big)).toEqual({ ok: false, name: "BadSignalError" });
  });
});
