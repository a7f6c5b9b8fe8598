/**
 * Token bucket on the relay clock: `rate` tokens per second, at most `burst` saved up.
 */
import type { RelayClock } from "./clock.js";

export interface TokenBucket {
  take(): boolean;
}

export function tokenBucket(clock: RelayClock, rate: number, burst: number): TokenBucket {
  let tokens = burst;
  let last = clock.now();
  return {
    take() {
      const now = clock.now();
      tokens = Math.min(burst, tokens + ((now - last) / 1000) * rate);
      last = now;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
