/**
 * What the engine hands to every adapter it creates: the one clock and the one random source
 * (libp2p's `(init) => (components) => Impl`). An adapter factory such as `weriftTransport(init)`
 * returns a function of these; the engine calls it, so the adapter's timeouts run on the engine's
 * clock (a test's TestClock too) and its ids come from the engine's randomness.
 */
import { randomBytes } from "@noble/hashes/utils.js";
import { systemClock, type Clock } from "../clock.js";

export interface Components {
  readonly clock: Clock;
  /** `n` random bytes. */
  readonly random: (n: number) => Uint8Array;
}

export const defaultComponents: Components = Object.freeze({ clock: systemClock, random: (n: number) => randomBytes(n) });

/** An adapter given as is, or made from the components. */
export function withComponents<T extends object>(option: T | ((components: Components) => T), components: Components): T {
  return typeof option === "function" ? (option as (components: Components) => T)(components) : option;
}
