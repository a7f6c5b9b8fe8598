/**
 * Reads this process's own memory the way an attacker with a memory dump would: every readable
 * region of `/proc/self/maps` that can hold data written at run time (anonymous mappings, the
 * C heap, stacks, writable file mappings), through `/proc/self/mem`, and counts where each
 * needle occurs. Read-only file mappings (code, libraries) are skipped: nothing we compute is
 * ever written there.
 *
 * The read buffer is zeroed after each chunk, so when the scan reaches the region holding its
 * own buffer it does not count copies of memory it already read.
 */
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import type { Needle } from "./needles.js";

export interface Region {
  readonly start: number;
  readonly end: number;
  readonly perms: string;
  readonly name: string;
}

export interface Hit {
  readonly needle: Needle;
  readonly address: number;
  /** The mapping it was found in ("anon", "[heap]", "[stack]", a path). */
  readonly region: string;
}

export interface ScanResult {
  readonly hits: readonly Hit[];
  readonly bytesScanned: number;
  readonly bytesUnreadable: number;
  readonly regions: number;
}

const CHUNK = 4 << 20;
const SKIP = new Set(["[vvar]", "[vvar_vclock]", "[vdso]", "[vsyscall]"]);

/** Regions worth scanning, from /proc/self/maps. */
export function dataRegions(): Region[] {
  const out: Region[] = [];
  for (const line of readFileSync("/proc/self/maps", "utf8").split("\n")) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (!m) continue;
    const [, a, b, perms, name = ""] = m;
    if (perms![0] !== "r" || SKIP.has(name)) continue;
    const fileBacked = name.startsWith("/");
    if (fileBacked && perms![1] !== "w") continue; // code and read-only data of binaries
    if (name.startsWith("/dev/")) continue;
    out.push({ start: parseInt(a!, 16), end: parseInt(b!, 16), perms: perms!, name: name === "" ? "anon" : name });
  }
  return out;
}

/** Index of needles by their 4-byte prefix, with a bitmap that rejects almost every position. */
class NeedleIndex {
  static readonly BITS = 22;
  readonly bitmap = new Uint8Array(1 << NeedleIndex.BITS);
  readonly byPrefix = new Map<number, Needle[]>();
  readonly maxLength: number;
  constructor(needles: readonly Needle[]) {
    let max = 4;
    for (const n of needles) {
      this.bitmap[NeedleIndex.slot(n.prefix)] = 1;
      const list = this.byPrefix.get(n.prefix);
      if (list) list.push(n);
      else this.byPrefix.set(n.prefix, [n]);
      max = Math.max(max, n.length);
    }
    this.maxLength = max;
  }
  static slot(v: number): number {
    return Math.imul(v, 0x9e3779b1) >>> (32 - NeedleIndex.BITS);
  }
}

/** Scans the readable data regions for every needle; every hit is reported with its address. */
export function scanOwnMemory(needles: readonly Needle[]): ScanResult {
  const index = new NeedleIndex(needles);
  const overlap = index.maxLength - 1;
  const buf = new Uint8Array(new ArrayBuffer(CHUNK + overlap));
  const seen = new Set<string>();
  const hits: Hit[] = [];
  let bytesScanned = 0;
  let bytesUnreadable = 0;
  const regions = dataRegions();
  const fd = openSync("/proc/self/mem", "r");
  try {
    for (const r of regions) {
      for (let pos = r.start; pos < r.end; pos += CHUNK) {
        const want = Math.min(CHUNK + overlap, r.end - pos);
        let got = 0;
        try {
          got = readSync(fd, buf, 0, want, pos);
        } catch {
          got = 0;
        }
        if (got <= 0) {
          bytesUnreadable += Math.min(CHUNK, r.end - pos);
          continue;
        }
        bytesScanned += Math.min(CHUNK, got);
        scanChunk(buf, got, index, (n, offset) => {
          const address = pos + offset;
          const key = `${n.id}@${address}`;
          if (seen.has(key)) return;
          seen.add(key);
          hits.push({ needle: n, address, region: r.name });
        });
        buf.fill(0);
      }
    }
  } finally {
    closeSync(fd);
    buf.fill(0);
  }
  return { hits, bytesScanned, bytesUnreadable, regions: regions.length };
}

/**
 * Tests every byte offset of `buf[0..len)`. Four offsets per aligned 32-bit word: the candidate
 * prefix at offset j is spliced from two neighbouring words, one load per four positions.
 */
function scanChunk(buf: Uint8Array, len: number, index: NeedleIndex, onHit: (n: Needle, offset: number) => void): void {
  const bitmap = index.bitmap;
  const shift = 32 - NeedleIndex.BITS;
  const view = len === buf.length ? buf : buf.subarray(0, len);
  const words = new Uint32Array(buf.buffer, buf.byteOffset, buf.length >>> 2);
  const lastWord = (len >>> 2) - 1;
  const check = (v: number, at: number) => {
    const list = index.byPrefix.get(v);
    if (list !== undefined) for (const n of list) if (n.matchesAt(view, at)) onHit(n, at);
  };
  // Untouched pages (most of every thread stack) read as zeros: skip them cheaply, unless some
  // needle starts with four zero bytes.
  const skipZeros = bitmap[Math.imul(0, 0x9e3779b1) >>> shift] === 0;
  for (let k = 0; k < lastWord; k++) {
    const w0 = words[k]!;
    const w1 = words[k + 1]!;
    if (skipZeros && (w0 | w1) === 0) continue;
    const base = k << 2;
    if (bitmap[Math.imul(w0, 0x9e3779b1) >>> shift] !== 0) check(w0 >>> 0, base);
    const v1 = ((w0 >>> 8) | (w1 << 24)) >>> 0;
    if (bitmap[Math.imul(v1, 0x9e3779b1) >>> shift] !== 0) check(v1, base + 1);
    const v2 = ((w0 >>> 16) | (w1 << 16)) >>> 0;
    if (bitmap[Math.imul(v2, 0x9e3779b1) >>> shift] !== 0) check(v2, base + 2);
    const v3 = ((w0 >>> 24) | (w1 << 8)) >>> 0;
    if (bitmap[Math.imul(v3, 0x9e3779b1) >>> shift] !== 0) check(v3, base + 3);
  }
  // The tail the word loop did not reach (at most 7 bytes; needles are longer, so only the
  // last few starting offsets matter and `matchesAt` bounds them).
  for (let p = Math.max(0, lastWord << 2); p + 4 <= len; p++) {
    const v = (buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24)) >>> 0;
    if (bitmap[Math.imul(v, 0x9e3779b1) >>> shift] !== 0) check(v, p);
  }
}

export interface Copy {
  /** A needle of the copied value (the one found first). */
  readonly needle: Needle;
  /** Where the copy of the whole value would start. */
  readonly base: number;
  readonly region: string;
  /** True if the whole value is there; false if only some windows of it were found. */
  readonly whole: boolean;
}

/**
 * Groups hits of one value's needles (whole and windows) into distinct copies. Two needles of one
 * kind with the same value (both devices hold root_0, both the pairing code) match the same
 * bytes: a memory location holds one copy, so copies are counted per (kind, address).
 */
export function copiesOf(hits: readonly Hit[]): Copy[] {
  const byBase = new Map<string, { needle: Needle; base: number; region: string; whole: boolean }>();
  for (const h of hits) {
    const base = h.address - h.needle.offset;
    const key = `${h.needle.kind}@${base}`;
    const c = byBase.get(key) ?? { needle: h.needle, base, region: h.region, whole: false };
    if (h.needle.whole) c.whole = true;
    byBase.set(key, c);
  }
  return [...byBase.values()];
}
