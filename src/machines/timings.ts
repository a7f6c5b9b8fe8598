/**
 * Timing input shared by every machine: each machine accepts `{ timings?: Partial<Timings> }`
 * and keeps the resolved, frozen numbers in its context so that named delays read them there
 * (a test or host app changes a duration without touching the machine definition).
 */
import { DEFAULT_TIMINGS, type Timings } from "./protocol.js";

/** Optional input of every machine. */
export interface TimingsInput {
  readonly timings?: Partial<Timings>;
}

/** Defaults overlaid with the caller's values; rejects durations that are not finite and >= 0. */
export function resolveTimings(partial: Partial<Timings> | undefined): Timings {
  const merged: Timings = { ...DEFAULT_TIMINGS, ...partial };
  for (const [name, value] of Object.entries(merged)) {
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new RangeError(`timings.${name} must be a finite number >= 0, got ${String(value)}`);
    }
  }
  return Object.freeze(merged);
}
