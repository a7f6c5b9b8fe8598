/**
 * Project Wycheproof vectors (test/vectors/wycheproof) for every primitive use: AES-256-GCM on
 * both AEAD backends (valid cases seal to the exact bytes and open; invalid ones are refused),
 * X25519 as the ratchet uses it, HKDF-SHA256 and HMAC-SHA256 with our constant-time check.
 */
import { describe, expect, it } from "vitest";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import type { Aead } from "../../../src/adapters/crypto/aead.js";
import { nobleAead } from "../../../src/adapters/crypto/aead.js";
import { nodeAead } from "../../../src/adapters/crypto/aead-node.js";
import { ctEqual } from "../../../src/adapters/crypto/bytes.js";
import { x25519Shared } from "../../../src/adapters/crypto/dh.js";
import { hex, loadVectors, toHex } from "./helpers.js";

const gcmVectors = loadVectors("wycheproof/aes_gcm_test.json");
const backends: Aead[] = [nobleAead, nodeAead];

type GcmCase = { tcId: number; key: string; iv: string; aad: string; msg: string; ct: string; tag: string; result: string; flags: string[] };
const gcm256 = (gcmVectors.testGroups as any[])
  .filter((g) => g.keySize === 256 && g.tagSize === 128)
  .flatMap((g) => (g.tests as GcmCase[]).map((t) => ({ ...t, ivSize: g.ivSize as number })));
const supported = gcm256.filter((t) => t.ivSize === 96);

describe.each(backends.map((b) => [b.name, b] as const))("AES-256-GCM %s", (_name, aead) => {
  it("has the expected Wycheproof coverage", () => {
    expect(supported.filter((t) => t.result === "valid").length).toBe(39);
    expect(supported.filter((t) => t.result === "invalid").length).toBe(27);
  });

  it("valid 96-bit-IV cases seal to the exact bytes and open", () => {
    for (const t of supported.filter((x) => x.result === "valid")) {
      const sealed = aead.seal(hex(t.key), hex(t.iv), hex(t.aad), hex(t.msg));
      expect(toHex(sealed), `tc ${t.tcId}`).toBe(t.ct + t.tag);
      expect(toHex(aead.open(hex(t.key), hex(t.iv), hex(t.aad), hex(t.ct + t.tag))), `tc ${t.tcId}`).toBe(t.msg);
    }
  });

  it("invalid 96-bit-IV cases are refused with AuthenticationError", () => {
    for (const t of supported.filter((x) => x.result === "invalid")) {
      expect(() => aead.open(hex(t.key), hex(t.iv), hex(t.aad), hex(t.ct + t.tag)), `tc ${t.tcId}`).toThrow(
        expect.objectContaining({ name: "AuthenticationError" }),
      );
    }
  });

  it("IVs other than 96 bits are refused before any crypto (RangeError)", () => {
    const other = gcm256.filter((t) => t.ivSize !== 96);
    expect(other.length).toBeGreaterThan(0);
    for (const t of other) {
      expect(() => aead.open(hex(t.key), hex(t.iv), hex(t.aad), hex(t.ct + t.tag))).toThrow(RangeError);
    }
  });

  it("refuses bad key lengths and short input", () => {
    expect(() => aead.seal(new Uint8Array(16), new Uint8Array(12), new Uint8Array(0), new Uint8Array(1))).toThrow(RangeError);
    expect(() => aead.open(new Uint8Array(32), new Uint8Array(12), new Uint8Array(0), new Uint8Array(15))).toThrow(
      expect.objectContaining({ name: "AuthenticationError" }),
    );
  });
});

describe("AEAD backends interoperate", () => {
  it("whatever one seals the other opens, byte-identical", () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
    for (const n of [0, 1, 15, 16, 17, 100, 1024, 16384]) {
      const nonce = Uint8Array.from({ length: 12 }, (_, i) => i + n);
      const aad = Uint8Array.from({ length: 14 }, (_, i) => i);
      const msg = Uint8Array.from({ length: n }, (_, i) => (i * 31) & 0xff);
      const a = nobleAead.seal(key, nonce, aad, msg);
      const b = nodeAead.seal(key, nonce, aad, msg);
      expect(toHex(a)).toBe(toHex(b));
      expect(toHex(nodeAead.open(key, nonce, aad, a))).toBe(toHex(msg));
      expect(toHex(nobleAead.open(key, nonce, aad, b))).toBe(toHex(msg));
    }
  });
});

describe("X25519 (ratchet DH)", () => {
  const v = loadVectors("wycheproof/x25519_test.json");
  const cases = (v.testGroups as any[]).flatMap((g) => g.tests as any[]);
  it("runs all 518 cases: valid match, zero-shared-secret ones are refused, other acceptable match", () => {
    expect(cases.length).toBe(518);
    let refused = 0;
    for (const t of cases) {
      if (t.flags.includes("ZeroSharedSecret")) {
        expect(() => x25519Shared(hex(t.private), hex(t.public)), `tc ${t.tcId}`).toThrow(expect.objectContaining({ name: "RotationError" }));
        refused++;
      } else {
        expect(t.result === "valid" || t.result === "acceptable").toBe(true);
        expect(toHex(x25519Shared(hex(t.private), hex(t.public))), `tc ${t.tcId}`).toBe(t.shared);
      }
    }
    expect(refused).toBe(31);
  });
});

describe("HKDF-SHA256", () => {
  const v = loadVectors("wycheproof/hkdf_sha256_test.json");
  it("all 86 cases", () => {
    let n = 0;
    for (const g of v.testGroups as any[]) {
      for (const t of g.tests as any[]) {
        n++;
        const run = () => hkdf(sha256, hex(t.ikm), hex(t.salt), hex(t.info), t.size);
        if (t.result === "valid") expect(toHex(run()), `tc ${t.tcId}`).toBe(t.okm);
        else expect(run, `tc ${t.tcId}`).toThrow();
      }
    }
    expect(n).toBe(86);
  });
});

describe("HMAC-SHA256 with the constant-time check", () => {
  const v = loadVectors("wycheproof/hmac_sha256_test.json");
  it("all 174 cases: valid tags verify, invalid ones do not", () => {
    let n = 0;
    for (const g of v.testGroups as any[]) {
      for (const t of g.tests as any[]) {
        n++;
        const full = hmac(sha256, hex(t.key), hex(t.msg));
        const ok = ctEqual(full.subarray(0, g.tagSize / 8), hex(t.tag));
        expect(ok, `tc ${t.tcId}`).toBe(t.result === "valid");
      }
    }
    expect(n).toBe(174);
  });
});
