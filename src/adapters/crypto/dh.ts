/**
 * X25519 for the rotation ratchet (RFC 7748 via @noble/curves). An all-zero shared secret
 * (a low-order peer key) is refused: with it the ratchet would mix in nothing.
 *
 * Memory: noble returns the shared secret in a new array; `x25519SharedInto` copies it into the
 * caller's (KeyStore) buffer and zeroes noble's array at once. Inside, noble copies the secret
 * scalar into heap arrays, a hex string and bigints it never zeroes: JavaScript cannot, and
 * docs/threat-model.md gives the figure.
 */
import { x25519 } from "@noble/curves/ed25519.js";
import { abytes } from "./bytes.js";
import { RotationError } from "./errors.js";

export const X25519_BYTES = 32;

/** Public key for a 32-byte secret. */
export function x25519Public(secret: Uint8Array): Uint8Array {
  abytes(secret, "x25519 secret", X25519_BYTES);
  return x25519.getPublicKey(secret);
}

/** DH(secret, peerPublic) in a new array; throws RotationError for a malformed or low-order peer key. */
export function x25519Shared(secret: Uint8Array, peerPublic: Uint8Array): Uint8Array {
  const out = new Uint8Array(new ArrayBuffer(X25519_BYTES));
  x25519SharedInto(out, secret, peerPublic);
  return out;
}

/** DH(secret, peerPublic) written into `out` (32 bytes). */
export function x25519SharedInto(out: Uint8Array, secret: Uint8Array, peerPublic: Uint8Array): void {
  abytes(out, "x25519 output", X25519_BYTES);
  abytes(secret, "x25519 secret", X25519_BYTES);
  checkPeerPublic(peerPublic);
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(secret, peerPublic);
  } catch {
    throw new RotationError("X25519 public key refused (low order)");
  }
  // noble already refuses an all-zero result; the check stays ours so the rule does not depend
  // on a library default.
  takeShared(out, shared);
}

/** A peer's X25519 public key must be 32 bytes (RotationError otherwise). Shared by both backends. */
export function checkPeerPublic(peerPublic: unknown): asserts peerPublic is Uint8Array {
  if (!(peerPublic instanceof Uint8Array) || peerPublic.length !== X25519_BYTES) {
    throw new RotationError("X25519 public key must be 32 bytes");
  }
}

/**
 * Copies a DH result into `out` and zeroes the result, also when refused: an all-zero shared
 * secret (a low-order peer key) is a RotationError. Shared by both backends.
 */
export function takeShared(out: Uint8Array, shared: Uint8Array): void {
  try {
    let acc = 0;
    for (const b of shared) acc |= b;
    if (acc === 0) throw new RotationError("X25519 public key refused (low order)");
    out.set(shared);
  } finally {
    shared.fill(0);
  }
}
