/**
 * Small byte helpers for the crypto adapter: input checks with labelled messages (TypeError for
 * type, RangeError for length, like noble's `abytes`), constant-time comparison, zeroing,
 * off-heap allocation for secrets, and big-endian integer codecs for headers.
 */

/** Throws TypeError unless `value` is a Uint8Array; RangeError if `length` is given and differs. */
export function abytes(value: unknown, label: string, length?: number): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${label}: expected Uint8Array`);
  if (length !== undefined && value.length !== length) {
    throw new RangeError(`${label}: expected ${length} bytes, got ${value.length}`);
  }
  return value;
}

/** Constant-time equality for equal-length inputs; lengths are public and compared first. */
export function ctEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/** Zeroes every given buffer (undefined entries are skipped, so `finally` blocks stay short). */
export function zero(...buffers: (Uint8Array | undefined)[]): void {
  for (const b of buffers) if (b) b.fill(0);
}

/**
 * A zero-filled buffer whose bytes live outside V8's heap, in the ArrayBuffer's own backing
 * store, which the garbage collector never moves or copies: zeroing it erases the only copy.
 * (`new Uint8Array(n)` with n <= 64 keeps its bytes inside the heap, where a GC move leaves the
 * old copy behind, and reading `.buffer` on it copies the bytes out to a new store.) Every
 * secret and every secret temporary is born in one of these.
 */
export const offHeap = (length: number): Uint8Array => new Uint8Array(new ArrayBuffer(length));

/** Concatenates into one new buffer. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Bytewise lexicographic compare (memcmp); negative if a < b. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

const encoder = new TextEncoder();
/** UTF-8 bytes of a public label (never used for secrets). */
export const utf8 = (s: string): Uint8Array => encoder.encode(s);

/** 64 bytes read big-endian (python-spake2's entropy convention). */
export function bytesToBigBE(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

/** Writes `n` as u32 big-endian at `offset`. */
export function writeU32(out: Uint8Array, offset: number, n: number): void {
  out[offset] = n >>> 24;
  out[offset + 1] = (n >>> 16) & 0xff;
  out[offset + 2] = (n >>> 8) & 0xff;
  out[offset + 3] = n & 0xff;
}

/** Reads a u32 big-endian at `offset`. */
export function readU32(b: Uint8Array, offset: number): number {
  return (((b[offset] as number) << 24) | ((b[offset + 1] as number) << 16) | ((b[offset + 2] as number) << 8) | (b[offset + 3] as number)) >>> 0;
}

/** Writes a safe integer `n` (0 <= n < 2^53) as u64 big-endian at `offset` (no BigInt). */
export function writeU64n(out: Uint8Array, offset: number, n: number): void {
  writeU32(out, offset, Math.floor(n / 0x1_0000_0000));
  writeU32(out, offset + 4, n >>> 0);
}

/** Reads a u64 big-endian as a number, or -1 if it is 2^53 or more (never sent by Lethe). */
export function readU64n(b: Uint8Array, offset: number): number {
  const hi = readU32(b, offset);
  if (hi > 0x1f_ffff) return -1;
  return hi * 0x1_0000_0000 + readU32(b, offset + 4);
}
