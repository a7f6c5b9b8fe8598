/**
 * The AEAD interface (AES-256-GCM, 32-byte key, 12-byte nonce, 16-byte tag) and its universal
 * backend on @noble/ciphers. The node:crypto backend lives in aead-node.ts / node.ts so browser
 * builds never load `node:crypto`. Both backends produce identical bytes (`ciphertext || tag`).
 */
import { gcm } from "@noble/ciphers/aes.js";
import { abytes } from "./bytes.js";
import { AuthenticationError } from "./errors.js";

export const AEAD_KEY_BYTES = 32;
export const AEAD_NONCE_BYTES = 12;
export const AEAD_TAG_BYTES = 16;

export interface Aead {
  /** Backend name for diagnostics ("noble-aes-256-gcm", "node-aes-256-gcm"). */
  readonly name: string;
  /** Returns `ciphertext || tag(16)` in a new buffer. */
  seal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Returns the plaintext; throws AuthenticationError if the tag does not verify. */
  open(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array;
  /**
   * Optional fast path: writes `ciphertext || tag` into `out` at `offset` (out must have room
   * for plaintext.length + 16 bytes there). The frame layer uses it to skip one copy.
   */
  sealInto?(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number): void;
  /**
   * Optional fast path: `open` of `input[offset..)` without the caller cutting a view of it
   * (the frame layer opens a frame's body after its header this way).
   */
  openFrom?(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, input: Uint8Array, offset: number): Uint8Array;
}

/** Shared input checks, so both backends fail identically on misuse. */
export function checkAeadInputs(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, data: Uint8Array): void {
  abytes(key, "aead key", AEAD_KEY_BYTES);
  abytes(nonce, "aead nonce", AEAD_NONCE_BYTES);
  abytes(aad, "aead aad");
  abytes(data, "aead data");
}

/**
 * @noble/ciphers AES-256-GCM. A cipher instance is single-use in noble, so each call builds one;
 * noble zeroes its expanded key schedule and GHASH state when the call returns.
 */
export const nobleAead: Aead = {
  name: "noble-aes-256-gcm",
  seal(key, nonce, aad, plaintext) {
    checkAeadInputs(key, nonce, aad, plaintext);
    return gcm(key, nonce, aad).encrypt(plaintext);
  },
  open(key, nonce, aad, sealed) {
    checkAeadInputs(key, nonce, aad, sealed);
    if (sealed.length < AEAD_TAG_BYTES) throw new AuthenticationError("sealed data shorter than the tag");
    try {
      return gcm(key, nonce, aad).decrypt(sealed);
    } catch {
      throw new AuthenticationError("authentication failed");
    }
  },
};

/**
 * The universal default: @noble/ciphers. Node hosts should take `defaultAead()` from
 * `lethe-sync/crypto/node` instead, which returns the node:crypto backend (5–31× faster).
 */
export function defaultAead(): Aead {
  return nobleAead;
}
