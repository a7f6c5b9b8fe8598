/**
 * SPAKE2 over edwards25519, byte-compatible with the Rust `spake2` crate's `Ed25519Group` and
 * python-spake2 (the pair magic-wormhole uses). This is Warner's pre-RFC construction, NOT
 * RFC 9382 (see docs/protocol.md §2 and test/vectors/README.md):
 *
 *   w   = int_be(HKDF-SHA256(salt = "", ikm = password, info = "SPAKE2 pw", 48)) mod L
 *   x   = int_be(random(64)) mod L                     (python-spake2's entropy convention)
 *   msg = side || compress(x·B + w·U)                  side/U: A/M, B/N, S/S (symmetric)
 *   K   = x · (Y − w·U_peer)                           no cofactor multiplication
 *   key = SHA256(SHA256(pw) || SHA256(idA) || SHA256(idB) || X_A || Y_B || K)        A/B
 *       = SHA256(SHA256(pw) || SHA256(idS) || min(X,Y) || max(X,Y) || K)             symmetric
 *
 * Stricter than the crate on receipt (like python-spake2): the identity, small-order and
 * mixed-order points and a reflected symmetric message are rejected with typed errors before
 * any key is derived. An honest peer never sends them, so every valid exchange interoperates.
 *
 * Memory: the entropy, SHA256(pw) and the key are off-heap buffers (the entropy and the key in
 * the caller's KeyStore when it passes one), zeroed when done; the key is written straight into
 * the caller's buffer (`finishInto`). The scalars x and w and the points are bigints inside
 * noble: JavaScript cannot zero a bigint, so `finish` drops the only references and the GC frees
 * them; the bytes stay in freed heap memory until reused (docs/threat-model.md says so).
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { abytes, bytesToBigBE, compareBytes, concat, ctEqual, offHeap, utf8, zero } from "./bytes.js";
import { hkdfSha256Into } from "./kdf.js";
import type { KeyStore } from "./key-store.js";
import { fillRandom, type RandomSource } from "./random.js";
import {
  Spake2BadSideError,
  Spake2FinishedError,
  Spake2InvalidPointError,
  Spake2ReflectionError,
  Spake2WeakPointError,
  Spake2WrongLengthError,
} from "./errors.js";

type Point = InstanceType<typeof ed25519.Point>;
const Point = ed25519.Point;
const L = Point.Fn.ORDER;

/** Compressed M, N, S as the crate hard-codes them (tests re-derive them from their seeds). */
export const SPAKE2_M_HEX = "15cfd18e385952982b6a8f8c7854963b58e34388c8e6dae891db756481a02312";
export const SPAKE2_N_HEX = "f04f2e7eb734b2a8f8b472eaf9c3c632576ac64aea650b496a8a20ff00e583c3";
export const SPAKE2_S_HEX = "6f00dae87c1be1a73b5922ef431cd8f57879569c222d22b1cd71e8546ab8e6f1";

/** Length of a SPAKE2 message: one side byte and a 32-byte point. */
export const SPAKE2_MESSAGE_BYTES = 33;
/** Length of the derived key. */
export const SPAKE2_KEY_BYTES = 32;

const SIDE_A = 0x41;
const SIDE_B = 0x42;
const SIDE_S = 0x53;

/** Source of random bytes; when injected, SPAKE2 draws 64 bytes once per side. */
export type { RandomSource } from "./random.js";

/** A single-use SPAKE2 state: send `message`, `finish` once with the peer's message. */
export interface Spake2 {
  readonly message: Uint8Array;
  /** Returns the 32-byte shared key in a new off-heap buffer (the caller's to zero). */
  finish(inbound: Uint8Array): Uint8Array;
  /** As `finish`, writing the key into `out` (32 bytes, e.g. a KeyStore buffer). */
  finishInto(inbound: Uint8Array, out: Uint8Array): void;
}

// Blinding points, decoded and given a precomputation table on first use (w·U is the one
// fixed-base multiplication apart from x·B; precomputing saves ~0.8 ms per side).
const blinding: Partial<Record<"M" | "N" | "S", Point>> = {};
function blind(name: "M" | "N" | "S"): Point {
  let p = blinding[name];
  if (!p) {
    const hex = name === "M" ? SPAKE2_M_HEX : name === "N" ? SPAKE2_N_HEX : SPAKE2_S_HEX;
    p = Point.fromHex(hex).precompute(8, false);
    blinding[name] = p;
  }
  return p;
}

/** `w` from the password, as the crate's `ed25519_hash_to_scalar` (HKDF, 48 bytes, big-endian). */
export function passwordToScalar(password: Uint8Array): bigint {
  const okm = offHeap(48);
  try {
    hkdfSha256Into(okm, password, new Uint8Array(0), utf8("SPAKE2 pw"));
    return bytesToBigBE(okm) % L;
  } finally {
    zero(okm);
  }
}

/** k·P with k in [0, L); noble's constant-time `multiply` needs k >= 1. */
function mul(p: Point, k: bigint): Point {
  return k === 0n ? Point.ZERO : p.multiply(k);
}

/** x from 64 random bytes drawn into `entropy` (off-heap; the caller zeroes it). */
function drawScalar(entropy: Uint8Array, random: RandomSource | undefined): bigint {
  for (;;) {
    fillRandom(entropy, random);
    const x = bytesToBigBE(entropy) % L;
    if (x !== 0n) return x; // python would send the bare w·U for x = 0; we redraw (p ≈ 2^-252)
  }
}

/** SHA-256 of `data` into `out`, hash state destroyed (its block buffer held `data`). */
function sha256Into(out: Uint8Array, data: Uint8Array): void {
  const h = sha256.create();
  try {
    h.update(data).digestInto(out);
  } finally {
    h.destroy();
  }
}

/**
 * key = SHA256(pwHash || idHashes || first || second || K), written into `out`; in symmetric
 * mode the two elements are sorted bytewise first (the crate's `hash_symmetric`), else A's comes
 * first (`hash_ab`). Fed to the hash part by part: no transcript copy holds K.
 */
function finalKeyInto(out: Uint8Array, pwHash: Uint8Array, idHashes: Uint8Array, first: Uint8Array, second: Uint8Array, k: Uint8Array, sort: boolean): void {
  const [a, b] = sort && compareBytes(first, second) > 0 ? [second, first] : [first, second];
  const h = sha256.create();
  try {
    h.update(pwHash).update(idHashes).update(a).update(b).update(k).digestInto(out);
  } finally {
    h.destroy();
  }
}

/** The crate's `ed25519::hash_ab` (exported for its known-answer test). */
export function hashAB(pw: Uint8Array, idA: Uint8Array, idB: Uint8Array, X: Uint8Array, Y: Uint8Array, K: Uint8Array): Uint8Array {
  const out = offHeap(32);
  finalKeyInto(out, sha256(pw), concat(sha256(idA), sha256(idB)), X, Y, K, false);
  return out;
}

/** The crate's `ed25519::hash_symmetric` (exported for its known-answer test). */
export function hashSymmetric(pw: Uint8Array, idS: Uint8Array, u: Uint8Array, v: Uint8Array, K: Uint8Array): Uint8Array {
  const out = offHeap(32);
  finalKeyInto(out, sha256(pw), sha256(idS), u, v, K, true);
  return out;
}

type Mode = "A" | "B" | "S";

class Spake2State implements Spake2 {
  readonly message: Uint8Array;
  #x: bigint;
  #w: bigint;
  #pwHash: Uint8Array;
  #idHashes: Uint8Array; // SHA256(idA)||SHA256(idB), or SHA256(idS)
  #element: Uint8Array; // our 32-byte element (no side byte)
  // Symmetric mode blinds both messages with S, so w·S from start is reused in finish (one
  // fixed-base multiplication less). It is secret-derived: JS cannot zero a noble Point's
  // bigint coordinates, so we drop the only reference after finish, as for #x and #w.
  #wS: Point | undefined;
  #finished = false;

  constructor(
    readonly mode: Mode,
    password: Uint8Array,
    ids: readonly Uint8Array[],
    random: RandomSource | undefined,
    keyStore: KeyStore | undefined,
  ) {
    abytes(password, "password");
    ids.forEach((id, i) => abytes(id, `identity ${i}`));
    this.#w = passwordToScalar(password);
    this.#pwHash = offHeap(32);
    sha256Into(this.#pwHash, password);
    this.#idHashes = concat(...ids.map((id) => sha256(id)));
    // The scalar's entropy is born in the store (when there is one) and released at once.
    const entropy = keyStore ? keyStore.alloc("spake2-scalar", 64) : offHeap(64);
    try {
      this.#x = drawScalar(entropy, random);
    } finally {
      if (keyStore) keyStore.release(entropy);
      else entropy.fill(0);
    }
    const own = mode === "A" ? "M" : mode === "B" ? "N" : "S";
    const wU = mul(blind(own), this.#w);
    if (mode === "S") this.#wS = wU;
    // x·B stays on noble's own Point.BASE: its window-6 table and, for BASE only, noble's scalar
    // blinding (a copy of the base point would be ~35% faster but unblinded; not worth it).
    const point = Point.BASE.multiply(this.#x).add(wU);
    this.#element = point.toBytes();
    this.message = new Uint8Array(SPAKE2_MESSAGE_BYTES);
    this.message[0] = mode === "A" ? SIDE_A : mode === "B" ? SIDE_B : SIDE_S;
    this.message.set(this.#element, 1);
  }

  finish(inbound: Uint8Array): Uint8Array {
    const out = offHeap(SPAKE2_KEY_BYTES);
    this.finishInto(inbound, out);
    return out;
  }

  finishInto(inbound: Uint8Array, out: Uint8Array): void {
    if (this.#finished) throw new Spake2FinishedError("SPAKE2 state already finished");
    abytes(out, "SPAKE2 key output", SPAKE2_KEY_BYTES);
    this.#finished = true; // single-use even when the inbound message is refused
    let peerElement: Uint8Array | undefined;
    let kBytes: Uint8Array | undefined;
    try {
      abytes(inbound, "SPAKE2 inbound message");
      if (inbound.length !== SPAKE2_MESSAGE_BYTES) {
        throw new Spake2WrongLengthError(`SPAKE2 message must be 33 bytes, got ${inbound.length}`);
      }
      const side = inbound[0] as number;
      const want = this.mode === "A" ? SIDE_B : this.mode === "B" ? SIDE_A : SIDE_S;
      if (side !== want) {
        throw new Spake2BadSideError(`SPAKE2 side ${this.mode} expects side byte 0x${want.toString(16)}, got 0x${side.toString(16)}`);
      }
      peerElement = inbound.slice(1);
      let Y: Point;
      try {
        Y = Point.fromBytes(peerElement);
      } catch {
        throw new Spake2InvalidPointError("SPAKE2 message is not a valid edwards25519 point");
      }
      if (Y.is0() || Y.isSmallOrder() || !Y.isTorsionFree()) {
        throw new Spake2WeakPointError("SPAKE2 message is the identity or not in the prime-order subgroup");
      }
      if (this.mode === "S" && ctEqual(peerElement, this.#element)) {
        throw new Spake2ReflectionError("SPAKE2 symmetric message reflected back to its sender");
      }
      const peerBlind = this.mode === "A" ? "N" : this.mode === "B" ? "M" : "S";
      const wPeer = this.#wS ?? mul(blind(peerBlind), this.#w);
      const K = mul(Y.subtract(wPeer), this.#x);
      kBytes = K.toBytes();
      if (this.mode === "S") return finalKeyInto(out, this.#pwHash, this.#idHashes, this.#element, peerElement, kBytes, true);
      const [X, Yb] = this.mode === "A" ? [this.#element, peerElement] : [peerElement, this.#element];
      finalKeyInto(out, this.#pwHash, this.#idHashes, X, Yb, kBytes, false);
    } finally {
      zero(kBytes, this.#pwHash, this.#idHashes);
      this.#x = 0n; // bigints cannot be zeroed in place; drop the only reference
      this.#w = 0n;
      this.#wS = undefined;
    }
  }
}

/** Symmetric mode (both sides play 'S'), the one Lethe pairing uses. */
export function startSymmetric(password: Uint8Array, identity: Uint8Array, random?: RandomSource): Spake2 {
  return new Spake2State("S", password, [identity], random, undefined);
}
/** Asymmetric side A (blinds with M). */
export function startA(password: Uint8Array, idA: Uint8Array, idB: Uint8Array, random?: RandomSource): Spake2 {
  return new Spake2State("A", password, [idA, idB], random, undefined);
}
/** Asymmetric side B (blinds with N). */
export function startB(password: Uint8Array, idA: Uint8Array, idB: Uint8Array, random?: RandomSource): Spake2 {
  return new Spake2State("B", password, [idA, idB], random, undefined);
}

/** Internal (pairing.ts): symmetric mode with the scalar's entropy drawn into `keyStore`. */
export function startSymmetricIn(keyStore: KeyStore, password: Uint8Array, identity: Uint8Array, random?: RandomSource): Spake2 {
  return new Spake2State("S", password, [identity], random, keyStore);
}
