/**
 * Project Wycheproof vectors (test/vectors/wycheproof) for every primitive use: AES-256-GCM on
 * both AEAD backends (valid cases seal to the exact bytes and open; invalid ones are refused),
 * X25519 as the ratchet uses it on both key-agreement backends, and our in-place HKDF-SHA256
 * and HMAC-SHA256 (kdf.ts) with the constant-time check.
 */
import { describe, expect, it } from "vitest";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import type { Aead } from "../../../src/adapters/crypto/aead.js";
import { hkdfSha256Into, hmacSha256Into } from "../../../src/adapters/crypto/kdf.js";
import { nobleX25519, type KeyAgreement } from "../../../src/adapters/crypto/key-agreement.js";
import { nodeX25519 } from "../../../src/adapters/crypto/key-agreement-node.js";
import { createKeyStore } from "../../../src/adapters/crypto/key-store.js";
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

describe("AES-256-GCM node openFrom (the frame layer's open after a header)", () => {
  const openFrom = nodeAead.openFrom!;
  // ct ‖ tag placed after `prefix` junk bytes, inside a larger buffer at a non-zero byteOffset.
  const embed = (sealed: Uint8Array, prefix: number) => {
    const backing = new Uint8Array(7 + prefix + sealed.length + 5).fill(0xa5);
    backing.set(sealed, 7 + prefix);
    return new Uint8Array(backing.buffer, 7, prefix + sealed.length);
  };

  it("opens input[offset..) like open() on those bytes, for every Wycheproof case", () => {
    for (const t of supported) {
      const input = embed(hex(t.ct + t.tag), 14);
      const open = () => toHex(openFrom(hex(t.key), hex(t.iv), hex(t.aad), input, 14));
      if (t.result === "valid") expect(open(), `tc ${t.tcId}`).toBe(t.msg);
      else expect(open, `tc ${t.tcId}`).toThrow(expect.objectContaining({ name: "AuthenticationError" }));
    }
  });

  it("refuses an offset outside the input (RangeError) and fewer than 16 bytes after it", () => {
    const key = new Uint8Array(32);
    const nonce = new Uint8Array(12);
    const input = embed(nodeAead.seal(key, nonce, new Uint8Array(0), new Uint8Array(3)), 14);
    for (const offset of [-1, 1.5, input.length + 1, Number.NaN]) {
      expect(() => openFrom(key, nonce, new Uint8Array(0), input, offset), `offset ${offset}`).toThrow(RangeError);
    }
    expect(() => openFrom(key, nonce, new Uint8Array(0), input, input.length - 15)).toThrow(expect.objectContaining({ name: "AuthenticationError" }));
    expect(toHex(openFrom(key, nonce, new Uint8Array(0), input, 14))).toBe("000000");
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

  it.each([nobleX25519, nodeX25519].map((k) => [k.name, k] as const))("%s: the same cases through the key-agreement backend", (_n, ka: KeyAgreement) => {
    const store = createKeyStore();
    let refused = 0;
    for (const t of cases) {
      const key = ka.generate(store, () => hex(t.private));
      const out = new Uint8Array(32);
      const agree = () => key.agreeInto(out, hex(t.public));
      if (t.flags.includes("ZeroSharedSecret")) {
        expect(agree, `tc ${t.tcId}`).toThrow(expect.objectContaining({ name: "RotationError" }));
        refused++;
      } else {
        agree();
        expect(toHex(out), `tc ${t.tcId}`).toBe(t.shared);
      }
      key.destroy();
      expect(() => key.agreeInto(out, hex(t.public))).toThrow(expect.objectContaining({ name: "KeyStoreWipedError" }));
    }
    expect(refused).toBe(31);
    expect(store.secretBuffers()).toEqual([]); // noble's secrets were store buffers, released on destroy
  });

  it("the two backends agree with each other on fresh keys", () => {
    const store = createKeyStore();
    for (let i = 0; i < 20; i++) {
      const a = nobleX25519.generate(store);
      const b = nodeX25519.generate(store);
      const ab = new Uint8Array(32);
      const ba = new Uint8Array(32);
      a.agreeInto(ab, b.publicKey);
      b.agreeInto(ba, a.publicKey);
      expect(toHex(ab)).toBe(toHex(ba));
      a.destroy();
      b.destroy();
    }
    expect(() => nodeX25519.generate(store).agreeInto(new Uint8Array(32), new Uint8Array(31))).toThrow(expect.objectContaining({ name: "RotationError" }));
  });
});

describe("HKDF-SHA256 (kdf.ts, in place)", () => {
  const v = loadVectors("wycheproof/hkdf_sha256_test.json");
  it("all 86 cases", () => {
    let n = 0;
    for (const g of v.testGroups as any[]) {
      for (const t of g.tests as any[]) {
        n++;
        const run = () => {
          const out = new Uint8Array(t.size);
          hkdfSha256Into(out, hex(t.ikm), hex(t.salt), hex(t.info));
          return out;
        };
        if (t.result === "valid") expect(toHex(run()), `tc ${t.tcId}`).toBe(t.okm);
        else expect(run, `tc ${t.tcId}`).toThrow(RangeError);
      }
    }
    expect(n).toBe(86);
  });

  it("split outputs receive the OKM in order, as one long output would (and as noble's hkdf)", () => {
    const ikm = Uint8Array.from({ length: 32 }, (_, i) => i);
    const salt = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
    const info = new TextEncoder().encode("lethe/v1 confirm");
    for (const sizes of [[32, 32], [16, 48], [1, 31, 33, 0, 7], [100]]) {
      const total = sizes.reduce((a, b) => a + b, 0);
      const whole = new Uint8Array(total);
      hkdfSha256Into(whole, ikm, salt, info);
      expect(toHex(whole)).toBe(toHex(hkdf(sha256, ikm, salt, info, total)));
      const parts = sizes.map((n) => new Uint8Array(n));
      hkdfSha256Into(parts, ikm, salt, info);
      expect(parts.map(toHex).join("")).toBe(toHex(whole));
    }
  });
});

describe("HMAC-SHA256 with the constant-time check", () => {
  const v = loadVectors("wycheproof/hmac_sha256_test.json");
  it("all 174 cases: valid tags verify, invalid ones do not", () => {
    let n = 0;
    for (const g of v.testGroups as any[]) {
      for (const t of g.tests as any[]) {
        n++;
        const full = new Uint8Array(32);
        hmacSha256Into(full, hex(t.key), hex(t.msg));
        const ok = ctEqual(full.subarray(0, g.tagSize / 8), hex(t.tag));
        expect(ok, `tc ${t.tcId}`).toBe(t.result === "valid");
      }
    }
    expect(n).toBe(174);
  });

  it("a message given in parts is the same as the whole; a short output buffer is refused", () => {
    const key = Uint8Array.from({ length: 80 }, (_, i) => i); // longer than a block: hashed first
    const msg = Uint8Array.from({ length: 200 }, (_, i) => i * 3);
    const a = new Uint8Array(32);
    const b = new Uint8Array(40);
    hmacSha256Into(a, key, msg);
    hmacSha256Into(b, key, msg.subarray(0, 1), msg.subarray(1, 150), msg.subarray(150));
    expect(toHex(b.subarray(0, 32))).toBe(toHex(a));
    expect(Array.from(b.subarray(32))).toEqual(new Array(8).fill(0));
    expect(() => hmacSha256Into(new Uint8Array(31), key, msg)).toThrow(RangeError);
  });
});
