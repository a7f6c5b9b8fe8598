/**
 * HMAC-SHA256 (RFC 2104) and HKDF-SHA256 (RFC 5869) over @noble/hashes' SHA-256, writing into
 * buffers the caller owns (the key store's), so a derived key is born where it lives.
 *
 * Why not noble's `hmac`/`hkdf`: both return fresh arrays (a 32- or 64-byte one keeps its bytes
 * inside V8's heap, where a GC move leaves a copy nobody can zero), and noble's HMAC builds its
 * key pad in a 64-byte heap array whose `.buffer` access copies the bytes off-heap and leaves the
 * old copy (key XOR 0x36) behind. Here the pads, the PRK and every T(i) are off-heap buffers,
 * zeroed before return on every path, and noble's SHA-256 states are destroyed (state words and
 * block buffer zeroed). Checked against the Wycheproof HMAC and HKDF vectors.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { abytes, offHeap } from "./bytes.js";

const BLOCK = 64;
export const SHA256_BYTES = 32;
const MAX_HKDF_BYTES = 255 * SHA256_BYTES;

type Sha256 = ReturnType<typeof sha256.create>;

/** out[0..32) = HMAC-SHA256(key, message[0] || message[1] || ...). */
export function hmacSha256Into(out: Uint8Array, key: Uint8Array, ...message: Uint8Array[]): void {
  abytes(out, "hmac output");
  if (out.length < SHA256_BYTES) throw new RangeError(`hmac output: expected at least 32 bytes, got ${out.length}`);
  abytes(key, "hmac key");
  const pad = offHeap(BLOCK);
  let inner: Sha256 | undefined;
  let outer: Sha256 | undefined;
  try {
    if (key.length > BLOCK) {
      const h = sha256.create().update(key);
      h.digestInto(pad);
      h.destroy();
    } else pad.set(key);
    for (let i = 0; i < BLOCK; i++) pad[i]! ^= 0x36;
    inner = sha256.create().update(pad);
    for (let i = 0; i < BLOCK; i++) pad[i]! ^= 0x36 ^ 0x5c;
    outer = sha256.create().update(pad);
    for (const m of message) inner.update(abytes(m, "hmac message"));
    const tag = out.length === SHA256_BYTES ? out : out.subarray(0, SHA256_BYTES);
    inner.digestInto(tag);
    outer.update(tag).digestInto(tag);
  } finally {
    pad.fill(0);
    inner?.destroy();
    outer?.destroy();
  }
}

/**
 * HKDF-SHA256 with the output keying material written, in order, across `outputs` (one buffer,
 * or several: `[kcLo, kcHi]` receives OKM[0..32) and OKM[32..64) as two separate keys).
 */
export function hkdfSha256Into(outputs: Uint8Array | readonly Uint8Array[], ikm: Uint8Array, salt: Uint8Array, info: Uint8Array): void {
  const outs = outputs instanceof Uint8Array ? [outputs] : outputs;
  let total = 0;
  for (const o of outs) total += abytes(o, "hkdf output").length;
  if (total > MAX_HKDF_BYTES) throw new RangeError(`hkdf output: at most ${MAX_HKDF_BYTES} bytes, got ${total}`);
  abytes(ikm, "hkdf ikm");
  abytes(salt, "hkdf salt");
  abytes(info, "hkdf info");
  const prk = offHeap(SHA256_BYTES);
  const t = offHeap(SHA256_BYTES);
  const counter = new Uint8Array(1); // public
  try {
    // An empty salt is HMAC's zero-padded key, which RFC 5869 §2.2 uses for "not provided".
    hmacSha256Into(prk, salt, ikm);
    let out = 0; // index into outs
    let at = 0; // offset in outs[out]
    for (let block = 1, left = total; left > 0; block++) {
      counter[0] = block;
      if (block === 1) hmacSha256Into(t, prk, info, counter);
      else hmacSha256Into(t, prk, t, info, counter);
      // Spread T(block) over the outputs.
      for (let used = 0; used < SHA256_BYTES && left > 0; ) {
        const o = outs[out]!;
        const n = Math.min(SHA256_BYTES - used, o.length - at);
        o.set(n === SHA256_BYTES ? t : t.subarray(used, used + n), at);
        used += n;
        at += n;
        left -= n;
        if (at === o.length) {
          out++;
          at = 0;
        }
      }
    }
  } finally {
    prk.fill(0);
    t.fill(0);
  }
}
