/**
 * The one clock. Every delay in Lethe — XState's `after` in the machines, adapter timeouts (mDNS
 * find, LAN redial, the relay client's reconnect, the browser's gather timeout), the relay's TTLs
 * — is scheduled through a `Clock` handed down by whoever owns the component, never through the
 * globals, so a test moves hours of lifecycle with `TestClock.advance` (lethe-sync/testing).
 *
 * The shape is XState's `Clock` (setTimeout/clearTimeout) plus `now()`, so one object serves the
 * actor system and the adapters alike.
 */
export interface Clock {
  /** Milliseconds on this clock's time line (wall time for `systemClock`). */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Wall-clock time and the platform's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * `systemClock` whose timers do not keep a Node process alive on their own (for servers and
 * background retries: an idle relay or a reconnect loop must not hold the host's exit).
 */
export const unrefSystemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms) as { unref?: () => void };
    t.unref?.();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * The clock for an adapter's background timers (reconnect backoff, redial pauses, grace waits):
 * `clock` itself, except that the wall clock becomes `unrefSystemClock`, so such a timer never
 * holds a Node process open on its own. A test's clock is returned as it is.
 */
export function backgroundClock(clock: Clock): Clock {
  return clock === systemClock ? unrefSystemClock : clock;
}

/** Resolves after `ms` on `clock` (rejects with the signal's reason if aborted first). */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(signal!.reason as Error);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
