/**
 * The relay's notion of time. Every TTL, cool-down, idle timeout and rate limit reads `now()`
 * and schedules through `setTimeout` here, never the globals, so tests drive the relay's
 * lifetime rules with a controllable clock (xstate's `SimulatedClock` fits this shape).
 */
export interface RelayClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Wall-clock time; timers are unref'd so an idle relay never keeps a process alive on its own. */
export const systemClock: RelayClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
