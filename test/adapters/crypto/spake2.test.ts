/**
 * SPAKE2 against the crate's and python-spake2's vectors (test/vectors/README.md): constants
 * re-derived from seeds, password→scalar, every matching case byte for byte, mismatches, and
 * every malformed inbound message refused with a typed error before a key exists.
 */
import { describe, expect, it } from "vitest";
import { ed25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import {
  hashAB,
  hashSymmetric,
  passwordToScalar,
  SPAKE2_M_HEX,
  SPAKE2_N_HEX,
  SPAKE2_S_HEX,
  startA,
  startB,
  startSymmetric,
} from "../../../src/adapters/crypto/spake2.js";
import { feed, hex, loadVectors, toHex } from "./helpers.js";

const py = loadVectors("spake2-python-ed25519.json");
const crate = loadVectors("spake2-ed25519-crate.json");
const Point = ed25519.Point;
const P = 2n ** 255n - 19n;
const L = Point.Fn.ORDER;
const be = (b: Uint8Array) => b.reduce((n, x) => (n << 8n) | BigInt(x), 0n);
const le32 = (n: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
const be64 = (n: bigint) => Uint8Array.from({ length: 64 }, (_, i) => Number((n >> BigInt(8 * (63 - i))) & 0xffn));

/** python-spake2 `arbitrary_element(seed)`, written out independently of src/. */
function arbitraryElement(seed: Uint8Array): { hex: string; increments: number } {
  const okm = hkdf(sha256, seed, new Uint8Array(0), new TextEncoder().encode("SPAKE2 arbitrary element"), 48);
  const y = be(okm) % P;
  for (let plus = 0; plus < 100; plus++) {
    try {
      const p = Point.fromBytes(le32((y + BigInt(plus)) % P)).clearCofactor();
      if (p.is0()) continue;
      return { hex: p.toHex(), increments: plus };
    } catch {
      // not on the curve: try the next y
    }
  }
  throw new Error("no element");
}

describe("constants", () => {
  it("M, N, S re-derive from their seeds and equal the crate's bytes", () => {
    const seeds = { M: "M", N: "N", S: "symmetric" } as const;
    const want = { M: SPAKE2_M_HEX, N: SPAKE2_N_HEX, S: SPAKE2_S_HEX };
    for (const k of ["M", "N", "S"] as const) {
      const got = arbitraryElement(new TextEncoder().encode(seeds[k]));
      expect(got.hex).toBe(want[k]);
      expect(got.hex).toBe(crate.constants[`${k}_hex`]);
    }
    for (const e of py.arbitrary_element_M_N_S as any[]) {
      if (["M", "N", "symmetric"].includes(e.seed_utf8)) {
        expect(arbitraryElement(hex(e.seed_hex))).toEqual({ hex: e.element_hex, increments: e.increments });
      }
    }
    expect(Point.BASE.toHex()).toBe(crate.tests.test_serialize_basepoint.basepoint_hex);
    expect(L.toString()).toBe(crate.constants.L_dec);
  });

  it("password → scalar matches every vector", () => {
    for (const v of py.password_to_scalar as any[]) {
      expect(passwordToScalar(hex(v.password_hex)).toString(), v.password_utf8).toBe(v.scalar_dec);
    }
    const t = crate.tests.test_password_to_scalar;
    expect(toHex(le32(passwordToScalar(hex(t.password_hex))))).toBe(t.pw_scalar_le_hex);
  });

  it("crate hash_ab and hash_symmetric known answers", () => {
    const a = crate.tests.test_hash_ab;
    expect(toHex(hashAB(hex(a.pw_hex), hex(a.idA_hex), hex(a.idB_hex), hex(a.first_msg_hex), hex(a.second_msg_hex), hex(a.key_bytes_hex)))).toBe(a.expected_key_hex);
    const s = crate.tests.test_hash_symmetric;
    for (const [u, v] of [[s.msg_u_hex, s.msg_v_hex], [s.msg_v_hex, s.msg_u_hex]]) {
      expect(toHex(hashSymmetric(hex(s.pw_hex), hex(s.idS_hex), hex(u), hex(v), hex(s.key_bytes_hex)))).toBe(s.expected_key_hex);
    }
  });
});

describe("matching exchanges", () => {
  it.each((py.symmetric_cases as any[]).map((c) => [c.name, c]))("symmetric %s", (_n, c) => {
    const pw = hex(c.password_hex);
    const a = startSymmetric(pw, hex(c.idS_hex), feed(hex(c.side1.entropy_hex)));
    const b = startSymmetric(pw, hex(c.idS_hex), feed(hex(c.side2.entropy_hex)));
    expect(toHex(a.message)).toBe(c.side1.msg_hex);
    expect(toHex(b.message)).toBe(c.side2.msg_hex);
    expect(toHex(a.finish(b.message))).toBe(c.key_hex);
    expect(toHex(b.finish(a.message))).toBe(c.key_hex);
  });

  it.each((py.asymmetric_cases as any[]).map((c) => [c.name, c]))("A/B %s", (_n, c) => {
    const pw = hex(c.password_hex);
    const a = startA(pw, hex(c.idA_hex), hex(c.idB_hex), feed(hex(c.A.entropy_hex)));
    const b = startB(pw, hex(c.idA_hex), hex(c.idB_hex), feed(hex(c.B.entropy_hex)));
    expect(toHex(a.message)).toBe(c.A.msg_hex);
    expect(toHex(b.message)).toBe(c.B.msg_hex);
    expect(toHex(a.finish(b.message))).toBe(c.key_hex);
    expect(toHex(b.finish(a.message))).toBe(c.key_hex);
  });

  it("crate test_asymmetric with the scalars injected (and empty ids = python test_compat)", () => {
    const t = crate.tests.test_asymmetric;
    const run = (idA: Uint8Array, idB: Uint8Array) => {
      const a = startA(hex(t.password_hex), idA, idB, feed(be64(BigInt(t.scalar_a_dec))));
      const b = startB(hex(t.password_hex), idA, idB, feed(be64(BigInt(t.scalar_b_dec))));
      expect(toHex(a.message)).toBe(t.msg1_A_hex);
      expect(toHex(b.message)).toBe(t.msg2_B_hex);
      const k = toHex(a.finish(b.message));
      expect(toHex(b.finish(a.message))).toBe(k);
      return k;
    };
    expect(run(hex(t.idA_hex), hex(t.idB_hex))).toBe(t.key_hex);
    expect(run(new Uint8Array(0), new Uint8Array(0))).toBe("a480bca13fa04464bb644f10e340125e96c9494f7399fef7c2bda67eb0fdf06d");
  });

  it.each((py.mismatch_cases as any[]).map((c) => [c.name, c]))("mismatch %s gives different keys", (_n, c) => {
    const s1 = c.side1 ?? c.A;
    const s2 = c.side2 ?? c.B;
    const mk = (s: any, role: "1" | "2") =>
      c.mode === "symmetric"
        ? startSymmetric(hex(s.password_hex), hex(s.idS_hex), feed(hex(s.entropy_hex)))
        : (role === "1" ? startA : startB)(hex(s.password_hex), hex(s.idA_hex), hex(s.idB_hex), feed(hex(s.entropy_hex)));
    const a = mk(s1, "1");
    const b = mk(s2, "2");
    expect(toHex(a.message)).toBe(s1.msg_hex);
    const ka = toHex(a.finish(b.message));
    const kb = toHex(b.finish(a.message));
    expect(c.keys_match).toBe(false);
    expect(ka).not.toBe(kb);
    expect(ka).toBe(s1.key_hex);
    expect(kb).toBe(s2.key_hex);
  });
});

describe("refused inbound messages", () => {
  const expected: Record<string, string> = {
    "sym-receives-A": "Spake2BadSideError",
    "sym-receives-B": "Spake2BadSideError",
    "A-receives-A": "Spake2BadSideError",
    "B-receives-B": "Spake2BadSideError",
    "A-receives-S": "Spake2BadSideError",
    "sym-receives-unknown-side-Z": "Spake2BadSideError",
    "sym-length-32": "Spake2WrongLengthError",
    "sym-length-34-trailing-zero": "Spake2WrongLengthError",
    "A-length-34-trailing-zero": "Spake2WrongLengthError",
    "sym-empty": "Spake2WrongLengthError",
    "sym-side-byte-only": "Spake2WrongLengthError",
    "sym-not-on-curve": "Spake2InvalidPointError",
    "sym-identity-point": "Spake2WeakPointError",
    "sym-small-order-point": "Spake2WeakPointError",
    "sym-mixed-order-point": "Spake2WeakPointError",
    "A-small-order-point": "Spake2WeakPointError",
    "sym-reflected-own-message": "Spake2ReflectionError",
  };
  it("covers every error case in the vector file", () => {
    expect(new Set((py.error_cases as any[]).map((c) => c.name))).toEqual(new Set(Object.keys(expected)));
  });
  it.each((py.error_cases as any[]).map((c) => [c.name, c]))("%s", (_n, c) => {
    expect(c.recommended_ts_behaviour).toBe("reject");
    const pw = hex(c.receiver_password_hex);
    const r = feed(hex(c.receiver_entropy_hex));
    const s =
      c.receiver_mode === "symmetric"
        ? startSymmetric(pw, hex(c.receiver_idS_hex), r)
        : (c.receiver_mode === "A" ? startA : startB)(pw, hex(c.receiver_idA_hex), hex(c.receiver_idB_hex), r);
    expect(toHex(s.message)).toBe(c.receiver_msg_hex);
    let err: unknown;
    try {
      s.finish(hex(c.inbound_hex));
    } catch (e) {
      err = e;
    }
    expect((err as Error | undefined)?.name).toBe(expected[c.name]);
    // the state is burned even by a refused message
    expect(() => s.finish(hex(c.inbound_hex))).toThrow(expect.objectContaining({ name: "Spake2FinishedError" }));
  });

  it("finish is single-use", () => {
    const a = startSymmetric(hex("70"), hex(""));
    const b = startSymmetric(hex("70"), hex(""));
    a.finish(b.message);
    expect(() => a.finish(b.message)).toThrow(expect.objectContaining({ name: "Spake2FinishedError" }));
  });

  it("error messages never carry the password or key bytes", () => {
    const secret = "4-purple-castle";
    const s = startSymmetric(new TextEncoder().encode(secret), new Uint8Array(0));
    try {
      s.finish(new Uint8Array(33).fill(0x53));
    } catch (e) {
      expect(String((e as Error).message)).not.toContain(secret);
      expect((e as Error).name).toMatch(/^Spake2/);
    }
  });

  it("random must deliver 64 bytes", () => {
    expect(() => startSymmetric(hex("70"), hex(""), () => new Uint8Array(10))).toThrow(RangeError);
  });
});
