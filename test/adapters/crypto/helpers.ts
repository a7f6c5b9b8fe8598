/** Shared helpers for the crypto tests: vector loading (from test/vectors only) and hex. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const vectorsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../vectors");

export function loadVectors<T = any>(name: string): T {
  return JSON.parse(readFileSync(path.join(vectorsDir, name), "utf8")) as T;
}

export const hex = (h: string | null | undefined): Uint8Array => Uint8Array.from(Buffer.from(h ?? "", "hex"));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** A random source that hands out `bytes` once, for exactly `bytes.length`. */
export function feed(bytes: Uint8Array): (n: number) => Uint8Array {
  let used = false;
  return (n) => {
    if (used || n !== bytes.length) throw new Error(`vector feeds ${bytes.length} bytes once, asked ${n}`);
    used = true;
    return Uint8Array.from(bytes);
  };
}

/** Deterministic random source from a seed (xorshift; tests only). */
export function seededRandom(seed: number): (n: number) => Uint8Array {
  let s = seed >>> 0 || 1;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      out[i] = s & 0xff;
    }
    return out;
  };
}

/** The `name` of what `f` throws, or undefined if it returns. */
export function errName(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as Error).name;
  }
  return undefined;
}
