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
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { abytes, bytesToBigBE, compareBytes, concat, ctEqual, utf8, zero } from "./bytes.js";
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
export type RandomSource = (n: number) => Uint8Array;

/** A single-use SPAKE2 state: send `message`, `finish` once with the peer's message. */
export interface Spake2 {
  readonly message: Uint8Array;
  /** Returns the 32-byte shared key (owned by the caller); throws a Spake2Error subclass. */
  finish(inbound: Uint8Array): Uint8Array;
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
  const okm = hkdf(sha256, password, new Uint8Array(0), utf8("SPAKE2 pw"), 48);
  try {
    return bytesToBigBE(okm) % L;
  } finally {
    zero(okm);
  }
}

/** k·P with k in [0, L); noble's constant-time `multiply` needs k >= 1. */
function mul(p: Point, k: bigint): Point {
  return k === 0n ? Point.ZERO : p.multiply(k);
}

function drawScalar(random: RandomSource): bigint {
  for (;;) {
    const entropy = random(64);
    abytes(entropy, "random(64)", 64);
    const x = bytesToBigBE(entropy) % L;
    entropy.fill(0);
    if (x !== 0n) return x; // python would send the bare w·U for x = 0; we redraw (p ≈ 2^-252)
  }
}

/**
 * key = SHA256(pwHash || idHashes || first || second || K); in symmetric mode the two elements
 * are sorted bytewise first (the crate's `hash_symmetric`), else A's comes first (`hash_ab`).
 */
function finalKey(pwHash: Uint8Array, idHashes: Uint8Array, first: Uint8Array, second: Uint8Array, k: Uint8Array, sort: boolean): Uint8Array {
  const [a, b] = sort && compareBytes(first, second) > 0 ? [second, first] : [first, second];
  const transcript = concat(pwHash, idHashes, a, b, k);
  try {
    return sha256(transcript);
  } finally {
    transcript.fill(0);
  }
}

/** The crate's `ed25519::hash_ab` (exported for its known-answer test). */
export function hashAB(pw: Uint8Array, idA: Uint8Array, idB: Uint8Array, X: Uint8Array, Y: Uint8Array, K: Uint8Array): Uint8Array {
  return finalKey(sha256(pw), concat(sha256(idA), sha256(idB)), X, Y, K, false);
}

/** The crate's `ed25519::hash_symmetric` (exported for its known-answer test). */
export function hashSymmetric(pw: Uint8Array, idS: Uint8Array, u: Uint8Array, v: Uint8Array, K: Uint8Array): Uint8Array {
  return finalKey(sha256(pw), sha256(idS), u, v, K, true);
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
    random: RandomSource,
  ) {
    abytes(password, "password");
    ids.forEach((id, i) => abytes(id, `identity ${i}`));
    this.#w = passwordToScalar(password);
    this.#pwHash = sha256(password);
    this.#idHashes = concat(...ids.map((id) => sha256(id)));
    this.#x = drawScalar(random);
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
    if (this.#finished) throw new Spake2FinishedError("SPAKE2 state already finished");
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
      if (this.mode === "S") return finalKey(this.#pwHash, this.#idHashes, this.#element, peerElement, kBytes, true);
      const [X, Yb] = this.mode === "A" ? [this.#element, peerElement] : [peerElement, this.#element];
      return finalKey(this.#pwHash, this.#idHashes, X, Yb, kBytes, false);
    } finally {
      zero(kBytes, this.#pwHash, this.#idHashes);
      this.#x = 0n; // bigints cannot be zeroed in place; drop the only reference
      this.#w = 0n;
      this.#wS = undefined;
    }
  }
}

const defaultRandom: RandomSource = (n) => randomBytes(n);

/** Symmetric mode (both sides play 'S'), the one Lethe pairing uses. */
export function startSymmetric(password: Uint8Array, identity: Uint8Array, random: RandomSource = defaultRandom): Spake2 {
  return new Spake2State("S", password, [identity], random);
}
/** Asymmetric side A (blinds with M). */
export function startA(password: Uint8Array, idA: Uint8Array, idB: Uint8Array, random: RandomSource = defaultRandom): Spake2 {
  return new Spake2State("A", password, [idA, idB], random);
}
/** Asymmetric side B (blinds with N). */
export function startB(password: Uint8Array, idA: Uint8Array, idB: Uint8Array, random: RandomSource = defaultRandom): Spake2 {
  return new Spake2State("B", password, [idA, idB], random);
}
