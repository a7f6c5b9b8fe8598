/**
 * The shared WebRTC signal codec (src/adapters/transport/signal-codec.ts, used by the browser
 * transport) against the werift adapter's own (src/adapters/werift/signal.ts): identical bytes
 * out, and the same verdict and result on any input in — valid signals, near misses and garbage.
 */
import { describe, expect } from "vitest";
import { fc, test } from "@fast-check/vitest";
import * as shared from "../../src/adapters/transport/signal-codec.js";
import * as werift from "../../src/adapters/werift/signal.js";

const MAX = 2048;
const decodeShared = shared.signalDecoder(MAX);
const decodeWerift = werift.signalDecoder(MAX);

type Verdict = { ok: true; value: unknown } | { ok: false; name: string };
const verdict = (decode: (b: unknown) => unknown, input: unknown): Verdict => {
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
const enc = new TextEncoder();
const nearMiss = fc.oneof(
  signal.map((s) => ({ ...s, extra: 1 })),
  signal.map((s) => ({ ...s, v: 2 })),
  signal.map((s) => ({ ...s, v: "1" })),
  signal.map((s) => ({ ...s, type: "pranswer" })),
  signal.map((s) => ({ ...s, sdp: "" })),
  signal.map((s) => ({ ...s, sdp: "x".repeat(MAX + 1) })),
  signal.map(({ v, type }) => ({ v, type })),
  fc.jsonValue(),
);
const input = fc.oneof(
  signal.map((s) => werift.encodeSignal(s)),
  nearMiss.map((x) => enc.encode(JSON.stringify(x) ?? "null")),
  fc.uint8Array({ maxLength: 64 }),
  fc.string().map((s) => enc.encode(s)),
  fc.constantFrom<unknown>(null, "offer", 42, [1], new Uint8Array(MAX + 1), enc.encode('{"v":1,"type":"offer","sdp":"x","__proto__":{}}')),
);

describe("shared signal codec vs werift's", () => {
  test.prop([signal], { numRuns: 300 })("encodes byte for byte like werift", (s) => {
    expect(shared.encodeSignal(s)).toEqual(werift.encodeSignal(s));
    expect(decodeShared(shared.encodeSignal(s))).toEqual(s);
  });

  test.prop([input], { numRuns: 1000 })("accepts and rejects exactly what werift does, with the same result", (x) => {
    const a = verdict(decodeShared, x);
    const b = verdict(decodeWerift, x);
    expect(a.ok).toBe(b.ok);
    if (a.ok && b.ok) expect(a.value).toEqual(b.value);
    if (!a.ok) expect(a.name).toBe("BadSignalError");
    if (!b.ok) expect(b.name).toBe("BadSignalError");
  });
});
