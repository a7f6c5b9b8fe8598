/**
 * Symmetric SPAKE2 computes w·S once in start and reuses it in finish. This checks the reused
 * value against a from-scratch reference (noble directly, no caching) for random passwords,
 * identities and entropy, and that a refused inbound message still leaves the state spent.
 */
import { describe, expect } from "vitest";
import { test, fc } from "@fast-check/vitest";
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { SPAKE2_S_HEX, passwordToScalar, startSymmetric } from "../../../src/adapters/crypto/spake2.js";
import { Spake2FinishedError, Spake2WeakPointError } from "../../../src/adapters/crypto/errors.js";
import { feed, toHex } from "./helpers.js";

const P = ed25519.Point;
const L = P.Fn.ORDER;
const big = (b: Uint8Array) => b.reduce((n, x) => (n << 8n) | BigInt(x), 0n);

/** The crate's symmetric key with no reuse: sort(X, Y), K = x·(Y − w·S). */
function reference(pw: Uint8Array, id: Uint8Array, entropy: Uint8Array, peerMsg: Uint8Array, ownMsg: Uint8Array): string {
  const x = big(entropy) % L;
  const w = passwordToScalar(pw);
  const S = P.fromHex(SPAKE2_S_HEX);
  const wS = w === 0n ? P.ZERO : S.multiply(w);
  const K = P.fromBytes(peerMsg.subarray(1)).subtract(wS).multiply(x).toBytes();
  const [a, b] = [ownMsg.subarray(1), peerMsg.subarray(1)].sort((u, v) => (toHex(u) < toHex(v) ? -1 : toHex(u) > toHex(v) ? 1 : 0));
  const t = new Uint8Array([...sha256(pw), ...sha256(id), ...a!, ...b!, ...K]);
  return toHex(sha256(t));
}

describe("symmetric w·S reuse", () => {
  test.prop([fc.uint8Array({ minLength: 1, maxLength: 24 }), fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.uint8Array({ minLength: 64, maxLength: 64 })], { numRuns: 8 })(
    "matches a from-scratch reference",
    (pw, id, e1, e2) => {
      fc.pre(big(e1) % L !== 0n && big(e2) % L !== 0n);
      const a = startSymmetric(pw, id, feed(e1));
      const b = startSymmetric(pw, id, feed(e2));
      const ka = toHex(a.finish(b.message));
      expect(ka).toBe(reference(pw, id, e1, b.message, a.message));
      expect(toHex(b.finish(a.message))).toBe(ka);
    },
  );

  test("a refused small-order message spends the state (cached w·S is never used again)", () => {
    const a = startSymmetric(new Uint8Array([1, 2, 3]), new Uint8Array(0));
    const weak = new Uint8Array(33);
    weak[0] = 0x53;
    weak[1] = 0xec; // (0, -1): order 2
    weak.fill(0xff, 2, 32);
    weak[32] = 0x7f;
    expect(() => a.finish(weak)).toThrow(Spake2WeakPointError);
    const b = startSymmetric(new Uint8Array([1, 2, 3]), new Uint8Array(0));
    expect(() => a.finish(b.message)).toThrow(Spake2FinishedError);
  });
});
