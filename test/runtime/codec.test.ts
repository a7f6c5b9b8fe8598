/**
 * The runtime's wire bodies: round trips, and hostile bytes are typed errors (BodyDecodeError
 * subclasses), never anything else.
 */
import { describe, expect, it } from "vitest";
import { test, fc } from "@fast-check/vitest";
import {
  decodeBody, decodeByeBody, decodePairingEnvelope, decodeSignalEnvelope, encodeBody, encodeBye,
  encodePairingEnvelope, encodeSignalEnvelope, type BodyPart,
} from "../../src/runtime/codec.js";
import { BodyDecodeError } from "../../src/runtime/errors.js";
import type { EndReason } from "../../src/machines/protocol.js";

const part: fc.Arbitrary<BodyPart> = fc.oneof(
  fc.record({ t: fc.constant("whole" as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ t: fc.constant("request" as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
  fc.integer({ min: 2, max: 50 }).chain((total) =>
    fc.record({
      t: fc.constant("frag" as const),
      id: fc.integer({ min: 0, max: 2 ** 32 }),
      total: fc.constant(total),
      index: fc.integer({ min: 0, max: total - 1 }),
      bytes: fc.uint8Array({ maxLength: 64 }),
    }),
  ),
);

const onlyTyped = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(BodyDecodeError);
    expect((e as Error).name).toMatch(/^(FrameBodyError|PairingMessageError|SignalDecodeError)$/);
  }
};

describe("codec", () => {
  test.prop([fc.array(part, { minLength: 1, maxLength: 20 })])("bodies round-trip", (parts) => {
    expect(decodeBody(encodeBody(parts))).toEqual(parts);
  });

  test.prop([fc.uint8Array({ maxLength: 300 })], { numRuns: 500 })("hostile bytes are typed errors or valid values", (bytes) => {
    onlyTyped(() => decodeBody(bytes));
    onlyTyped(() => decodePairingEnvelope(bytes));
    onlyTyped(() => decodeSignalEnvelope(bytes));
    onlyTyped(() => decodeByeBody(bytes));
  });

  test.prop([fc.uint8Array({ minLength: 33, maxLength: 33 }), fc.uint8Array({ minLength: 32, maxLength: 32 })])(
    "pairing envelopes round-trip; wrong lengths are refused",
    (pake, tag) => {
      expect(decodePairingEnvelope(encodePairingEnvelope({ kind: "pake", bytes: pake }))).toEqual({ kind: "pake", bytes: pake });
      expect(decodePairingEnvelope(encodePairingEnvelope({ kind: "confirm", bytes: tag }))).toEqual({ kind: "confirm", bytes: tag });
      expect(() => decodePairingEnvelope(encodePairingEnvelope({ kind: "pake", bytes: tag }))).toThrow(expect.objectContaining({ name: "PairingMessageError" }));
      // the host's commitment (32 bytes) and the joiner's abort (empty), docs/protocol.md §3
      expect(decodePairingEnvelope(encodePairingEnvelope({ kind: "commit", bytes: tag }))).toEqual({ kind: "commit", bytes: tag });
      expect(decodePairingEnvelope(encodePairingEnvelope({ kind: "abort", bytes: new Uint8Array(0) }))).toEqual({ kind: "abort", bytes: new Uint8Array(0) });
      expect(() => decodePairingEnvelope(encodePairingEnvelope({ kind: "commit", bytes: pake }))).toThrow(expect.objectContaining({ name: "PairingMessageError" }));
      expect(() => decodePairingEnvelope(encodePairingEnvelope({ kind: "abort", bytes: tag }))).toThrow(expect.objectContaining({ name: "PairingMessageError" }));
      // the wire bytes: version 1, kind 3, length 32
      expect(Array.from(encodePairingEnvelope({ kind: "commit", bytes: tag }).subarray(0, 3))).toEqual([1, 3, 32]);
      for (const kind of [0, 5, 127]) {
        expect(() => decodePairingEnvelope(Uint8Array.from([1, kind, 0]))).toThrow(expect.objectContaining({ name: "PairingMessageError" }));
      }
    },
  );

  test.prop([fc.uint8Array({ maxLength: 1000 })])("signal envelopes round-trip", (b) => {
    expect(decodeSignalEnvelope(encodeSignalEnvelope({ kind: "transport", bytes: b }))).toEqual({ kind: "transport", bytes: b });
  });

  it("a bye through the mailbox carries a BYE body; an oversized one is refused", () => {
    const bye = encodeBye("verificationRejected");
    const env = decodeSignalEnvelope(encodeSignalEnvelope({ kind: "bye", bytes: bye }));
    expect(env.kind).toBe("bye");
    expect(decodeByeBody(env.bytes)).toBe("verificationRejected");
    expect(() => decodeSignalEnvelope(encodeSignalEnvelope({ kind: "bye", bytes: new Uint8Array(65) }))).toThrow(expect.objectContaining({ name: "SignalDecodeError" }));
  });

  // Typed as a Record so that a new EndReason fails the typecheck here until it is listed.
  const reasons: Record<EndReason, true> = {
    user: true, inactivity: true, expired: true, wrongCode: true, pairingTimeout: true,
    peerGone: true, peerEnded: true, verificationRejected: true, error: true,
  };
  test.prop([fc.constantFrom(...(Object.keys(reasons) as EndReason[]))])(
    "BYE reasons round-trip; unknown reasons are refused",
    (r) => {
      expect(decodeByeBody(encodeBye(r))).toBe(r);
      expect(() => decodeByeBody(encodeBye("x" as never))).toThrow(expect.objectContaining({ name: "FrameBodyError" }));
    },
  );
});
