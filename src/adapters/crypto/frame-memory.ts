/**
 * Where a secure channel's frames are written: the arena sealed frames are cut from, a caller's
 * output buffer, and the seal/open steps around a frame header the channel keeps in a small
 * buffer of its own (the AAD). These keep nothing: a key passes straight through to the AEAD,
 * and what they write is ciphertext and headers (public bytes).
 */
import type { Aead } from "./aead.js";
import { abytes } from "./bytes.js";

const ARENA_BYTES = 64 * 1024;

/**
 * Memory for sealed frames, cut from one private 64 KiB ArrayBuffer at a time: an ArrayBuffer per
 * frame cost more than sealing a 100-byte frame (bench workload 1). Only this channel's
 * ciphertext lives there, every byte of a frame is written (header, then `sealInto`), and frames
 * are plain Uint8Array views (`slice()` copies; `byteOffset` may be non-zero). A full arena is
 * left to the frames that still hold it; frames over half an arena get their own buffer. A
 * transport must not transfer (detach) a frame's `buffer`: other frames live in it.
 */
export class FrameArena {
  private buffer = new ArrayBuffer(0);
  private used = 0;

  take(size: number): Uint8Array {
    if (size > ARENA_BYTES / 2) return new Uint8Array(size);
    if (this.used + size > this.buffer.byteLength) {
      this.buffer = new ArrayBuffer(ARENA_BYTES);
      this.used = 0;
    }
    const frame = new Uint8Array(this.buffer, this.used, size);
    this.used += size;
    return frame;
  }
}

/** The first `size` bytes of a caller's `output` as a plain view (subarray() would keep its class). */
export function frameIn(output: Uint8Array, size: number): Uint8Array {
  abytes(output, "seal output");
  if (output.length < size) throw new RangeError(`seal output of ${output.length} bytes is too small for a ${size}-byte frame`);
  return new Uint8Array(output.buffer, output.byteOffset, size);
}

/*
 * A frame's header is written to, and read into, a small buffer the channel keeps, which is the
 * AAD: sealing cuts no view of the header, and opening cuts one view (the ciphertext) instead of
 * four. At 1 KB on node:crypto those views were most of what the frame layer allocated beyond the
 * bare calls, and an allocation costs more once the host's young generation has grown
 * (docs/performance.md, "Issue 11, fifth pass").
 */

/** `out` = header ‖ AEAD(plaintext) with nonce and aad = `header`; `header` is already written. */
export function sealWithHeader(aead: Aead, key: Uint8Array, nonce: Uint8Array, header: Uint8Array, plaintext: Uint8Array, out: Uint8Array): void {
  out.set(header, 0);
  if (aead.sealInto) aead.sealInto(key, nonce, header, plaintext, out, header.length);
  else out.set(aead.seal(key, nonce, header, plaintext), header.length);
}

/** Opens the AEAD body after a (checked) header; copies the header into `header`, the aad. */
export function openAfterHeader(aead: Aead, key: Uint8Array, nonce: Uint8Array, header: Uint8Array, frame: Uint8Array): Uint8Array {
  const n = header.length;
  for (let i = 0; i < n; i++) header[i] = frame[i] as number;
  return aead.openFrom ? aead.openFrom(key, nonce, header, frame, n) : aead.open(key, nonce, header, frame.subarray(n));
}
