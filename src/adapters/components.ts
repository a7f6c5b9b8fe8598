/**
 * What the engine hands to every adapter it creates: the one clock and the one random source
 * (libp2p's `(init) => (components) => Impl`). An adapter factory such as `weriftTransport(init)`
 * checks `init` at once and returns an `AdapterFactory`; the engine calls it with its components,
 * so the adapter's timeouts run on the engine's clock (a test's TestClock too) and its public ids
 * and nonces come from the engine's randomness. Called with no components (an adapter used on its
 * own), it gets `defaultComponents`: the wall clock and the platform CSPRNG.
 *
 * Secrets never come from here: key material is drawn by the crypto adapter straight into its
 * key store's buffers (adapters/crypto/random.ts).
 */
import { randomBytes } from "@noble/hashes/utils.js";
import { systemClock, type Clock } from "../clock.js";

export interface Components {
  readonly clock: Clock;
  /** `n` random bytes (for public ids, nonces and jitter; never for keys). */
  readonly random: (n: number) => Uint8Array;
}

export const defaultComponents: Components = Object.freeze({ clock: systemClock, random: (n: number) => randomBytes(n) });

/** What an adapter's public factory returns: the adapter, completed with the engine's components. */
export type AdapterFactory<T> = (components?: Components) => T;

/** An adapter given as is, or made from the components. */
export function withComponents<T extends object>(option: T | ((components: Components) => T), components: Components): T {
  return typeof option === "function" ? (option as (components: Components) => T)(components) : option;
}

const u32 = (random: Components["random"]): number => {
  const b = random(4);
  if (!(b instanceof Uint8Array) || b.length !== 4) throw new TypeError("components.random(4) must return 4 bytes");
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
};

/** A uniform number in [0, 1) from `random` (for backoff jitter). */
export function randomUnit(random: Components["random"]): number {
  return u32(random) / 0x1_0000_0000;
}

/** A uniform integer in [min, max) from `random` (public nameplates; rejection sampling, no bias). */
export function randomInt(random: Components["random"], min: number, max: number): number {
  const span = max - min;
  if (!Number.isInteger(min) || !Number.isInteger(max) || span <= 0 || span > 0x1_0000_0000) throw new RangeError("randomInt: need integers with 0 < max - min <= 2^32");
  const limit = 0x1_0000_0000 - (0x1_0000_0000 % span);
  for (;;) {
    const x = u32(random);
    if (x < limit) return min + (x % span);
  }
}
