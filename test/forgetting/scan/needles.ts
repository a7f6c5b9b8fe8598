/**
 * The values a memory scan looks for, held so that the scanning process never makes a copy of
 * them in the clear: each needle is stored XOR-masked with its own random mask, and matching
 * unmasks one byte at a time in registers. Only a 4-byte prefix (an index key, far too short to
 * be mistaken for a whole needle) exists as a plain number.
 */
import { getRandomValues } from "node:crypto";

export interface Needle {
  readonly id: number;
  /** Needles cut from one value share a group; `offset` is where this one starts in it. */
  readonly group: number;
  readonly offset: number;
  /** True for the needle of the whole value, false for a window of it. */
  readonly whole: boolean;
  /** What the value is ("key", "doc", "control", ...); the report groups by it. */
  readonly kind: string;
  /** Where it came from (end path, backend, label). */
  readonly tag: string;
  readonly length: number;
  /** First four bytes as a little-endian u32 (the scan's index key). */
  readonly prefix: number;
  /** True if `mem[at .. at+length)` equals the needle. */
  matchesAt(mem: Uint8Array, at: number): boolean;
}

/**
 * Needles shorter than this, or with fewer distinct bytes (`minDistinct`), could match by
 * chance. 8 admits the shortest pairing code ("1-ohio-kiwi", 11 bytes, 7 distinct).
 */
export const MIN_NEEDLE_BYTES = 8;
const minDistinct = (length: number): number => Math.min(8, Math.ceil(length / 2));

class MaskedNeedle implements Needle {
  readonly prefix: number;
  constructor(
    readonly id: number,
    readonly group: number,
    readonly offset: number,
    readonly whole: boolean,
    readonly kind: string,
    readonly tag: string,
    private readonly masked: Uint8Array,
    private readonly mask: Uint8Array,
  ) {
    const b = (i: number) => (masked[i]! ^ mask[i]!) & 0xff;
    this.prefix = (b(0) | (b(1) << 8) | (b(2) << 16) | (b(3) << 24)) >>> 0;
  }
  get length(): number {
    return this.masked.length;
  }
  matchesAt(mem: Uint8Array, at: number): boolean {
    const m = this.masked;
    const k = this.mask;
    if (at + m.length > mem.length) return false;
    for (let i = 0; i < m.length; i++) if (mem[at + i] !== ((m[i]! ^ k[i]!) & 0xff)) return false;
    return true;
  }
}

export class NeedleSet {
  readonly #needles: Needle[] = [];
  #groups = 0;
  /**
   * Whole values refused as too short or too uniform to search for (reported, never silent).
   * A low-entropy 16-byte window of a longer value (a piece of the pairing code) is only skipped.
   */
  refused = 0;

  get all(): readonly Needle[] {
    return this.#needles;
  }

  /**
   * Adds the current bytes of `source` (read one by one, masked at once). With `window`, every
   * aligned `window`-byte slice is a needle of the same group too, so a partial copy (half a
   * key) is found as well.
   */
  addBytes(kind: string, tag: string, source: ArrayLike<number>, window?: number): Needle[] {
    const group = this.#groups++;
    const out: Needle[] = [];
    const whole = this.#add(group, 0, true, kind, tag, source.length, (i) => source[i]!);
    if (whole) out.push(whole);
    if (window !== undefined && window < source.length) {
      for (let o = 0; o + window <= source.length; o += window) {
        const part = this.#add(group, o, false, kind, tag, window, (i) => source[o + i]!);
        if (part) out.push(part);
      }
    }
    return out;
  }

  /**
   * Adds a value another process computed and sent already masked (`masked` XOR `mask` is the
   * value): this process never holds it in the clear. Windows as for `addBytes`.
   */
  addMasked(kind: string, tag: string, masked: Uint8Array, mask: Uint8Array, window?: number): Needle[] {
    if (masked.length !== mask.length) throw new RangeError("masked needle and mask differ in length");
    const group = this.#groups++;
    const out: Needle[] = [];
    const byteAt = (i: number) => (masked[i]! ^ mask[i]!) & 0xff;
    const whole = this.#add(group, 0, true, kind, tag, masked.length, byteAt);
    if (whole) out.push(whole);
    if (window !== undefined && window < masked.length) {
      for (let o = 0; o + window <= masked.length; o += window) {
        const part = this.#add(group, o, false, kind, tag, window, (i) => byteAt(o + i));
        if (part) out.push(part);
      }
    }
    return out;
  }

  /**
   * Adds a string as V8 keeps it: one byte per character when every code unit is < 256,
   * and its UTF-16LE form too (a two-byte string, or a copy widened by some API).
   */
  addString(kind: string, tag: string, s: string): Needle[] {
    const out: Needle[] = [];
    let oneByte = true;
    for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) oneByte = false;
    if (oneByte) {
      const n = this.#add(this.#groups++, 0, true, kind, `${tag}/latin1`, s.length, (i) => s.charCodeAt(i));
      if (n) out.push(n);
    }
    const w = this.#add(this.#groups++, 0, true, kind, `${tag}/utf16`, s.length * 2, (i) => (i % 2 === 0 ? s.charCodeAt(i >> 1) & 0xff : s.charCodeAt(i >> 1) >> 8));
    if (w) out.push(w);
    return out;
  }

  #add(group: number, offset: number, whole: boolean, kind: string, tag: string, length: number, byteAt: (i: number) => number): Needle | undefined {
    if (length < MIN_NEEDLE_BYTES) {
      if (whole) this.refused++;
      return undefined;
    }
    const mask = new Uint8Array(new ArrayBuffer(length));
    getRandomValues(mask);
    const masked = new Uint8Array(new ArrayBuffer(length));
    const seen = new Uint8Array(256);
    let distinct = 0;
    for (let i = 0; i < length; i++) {
      const v = byteAt(i) & 0xff;
      if (seen[v] === 0) distinct++;
      seen[v] = 1;
      masked[i] = v ^ mask[i]!;
    }
    seen.fill(0);
    if (distinct < minDistinct(length)) {
      if (whole) this.refused++;
      return undefined;
    }
    const n = new MaskedNeedle(this.#needles.length, group, offset, whole, kind, tag, masked, mask);
    this.#needles.push(n);
    return n;
  }
}
