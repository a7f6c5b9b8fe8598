/**
 * node:crypto AES-256-GCM backend (Node only; import it through `lethe-sync/crypto/node`).
 * Same bytes as nobleAead. Each call creates a Cipheriv/Decipheriv; node:crypto reads the key
 * from our (off-heap) buffer without a JavaScript copy and OpenSSL expands it into the cipher
 * context, which `final()` frees and OpenSSL cleanses (EVP_CIPHER_CTX_free). No KeyObject is
 * made. The memory scan (test/forgetting) finds no key copy after a session on this backend.
 */
import { createCipheriv, createDecipheriv } from "node:crypto";
import { AEAD_TAG_BYTES, checkAeadInputs, type Aead } from "./aead.js";
import { AuthenticationError } from "./errors.js";

/** One options object for every Cipheriv/Decipheriv (node only reads it). */
const GCM_OPTIONS = Object.freeze({ authTagLength: AEAD_TAG_BYTES });

/** The tag of the frame being opened: node copies it in `setAuthTag` (a tag is public). */
const tagIn = new Uint8Array(new ArrayBuffer(AEAD_TAG_BYTES));

export const nodeAead: Aead = {
  name: "node-aes-256-gcm",
  seal(key, nonce, aad, plaintext) {
    const out = new Uint8Array(plaintext.length + AEAD_TAG_BYTES);
    sealInto(key, nonce, aad, plaintext, out, 0);
    return out;
  },
  sealInto,
  open: (key, nonce, aad, sealed) => openFrom(key, nonce, aad, sealed, 0),
  openFrom,
};

/** Opens `input[offset..)` (ciphertext ‖ tag); one view of the input, for the ciphertext. */
function openFrom(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, input: Uint8Array, offset: number): Uint8Array {
  checkAeadInputs(key, nonce, aad, input);
  if (!Number.isInteger(offset) || offset < 0 || offset > input.length) throw new RangeError("aead input offset out of range");
  const split = input.length - AEAD_TAG_BYTES;
  if (split < offset) throw new AuthenticationError("sealed data shorter than the tag");
  for (let i = 0; i < AEAD_TAG_BYTES; i++) tagIn[i] = input[split + i] as number;
  const d = createDecipheriv("aes-256-gcm", key, nonce, GCM_OPTIONS);
  d.setAAD(aad);
  d.setAuthTag(tagIn);
  const body = d.update(new Uint8Array(input.buffer, input.byteOffset + offset, split - offset));
  let fin: Uint8Array;
  try {
    fin = d.final();
  } catch {
    body.fill(0); // unauthenticated plaintext never leaves
    throw new AuthenticationError("authentication failed");
  }
  // Hand out a view only when it owns its whole ArrayBuffer (never a slice of a shared pool).
  if (fin.length === 0 && body.byteOffset === 0 && body.buffer.byteLength === body.length) {
    return new Uint8Array(body.buffer, 0, body.length);
  }
  const out = new Uint8Array(body.length + fin.length);
  out.set(body, 0);
  out.set(fin, body.length);
  body.fill(0); // plaintext copies we no longer need
  fin.fill(0);
  return out;
}

/** Writes ciphertext || tag into `out` at `offset` (one copy less than `seal` + `set`). */
function sealInto(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number): void {
  checkAeadInputs(key, nonce, aad, plaintext);
  if (out.length - offset < plaintext.length + AEAD_TAG_BYTES) throw new RangeError("aead output buffer too small");
  const c = createCipheriv("aes-256-gcm", key, nonce, GCM_OPTIONS);
  c.setAAD(aad);
  const body = c.update(plaintext);
  const fin = c.final(); // empty for GCM (a stream mode); kept for correctness
  // Every byte up to the tag is written (the frame layer reuses arena memory: secure-channel.ts).
  if (body.length + fin.length !== plaintext.length) throw new RangeError("aead produced an unexpected ciphertext length");
  out.set(body, offset);
  out.set(fin, offset + body.length);
  out.set(c.getAuthTag(), offset + body.length + fin.length);
}
