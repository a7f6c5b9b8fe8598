/**
 * A small seeded PRNG (sfc32) so the memory network's faults, ids and nameplates are
 * reproducible from one seed. Never Math.random: a failing property run must replay exactly.
 */
export interface Prng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max] inclusive. */
  int(min: number, max: number): number;
  /** true with probability p. */
  chance(p: number): boolean;
  /** n random bytes. */
  bytes(n: number): Uint8Array;
  /** A lowercase hex string of n bytes. */
  hex(n: number): string;
}

/** Mix a number or string seed into four 32-bit words (splitmix-style). */
function seedWords(seed: number | string): [number, number, number, number] {
  let h = 0x9e3779b9 ^ 0;
  const s = typeof seed === "number" ? String(seed) : seed;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x85ebca6b);
    h = (h << 13) | (h >>> 19);
  }
  const out: number[] = [];
  for (let i = 0; i < 4; i++) {
    h = (h + 0x6d2b79f5) | 0;
    let t = Math.imul(h ^ (h >>> 15), 1 | h);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out.push((t ^ (t >>> 14)) >>> 0);
  }
  return [out[0]!, out[1]!, out[2]!, out[3]!];
}

export function createPrng(seed: number | string): Prng {
  let [a, b, c, d] = seedWords(seed);
  const u32 = (): number => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) u32(); // warm up
  const next = (): number => u32() / 4294967296;
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => p > 0 && next() < p,
    bytes(n) {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = u32() & 0xff;
      return out;
    },
    hex(n) {
      let s = "";
      for (let i = 0; i < n; i++) s += (u32() & 0xff).toString(16).padStart(2, "0");
      return s;
    },
  };
}
