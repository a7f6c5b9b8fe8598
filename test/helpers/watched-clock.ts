/**
 * A TestClock that tells when a timer is scheduled (through its public setTimeout), so a test can
 * await "the adapter armed its next timer" after real I/O (a socket closing, a connection refused)
 * instead of sleeping or polling.
 */
import { filter, firstValueFrom, Subject } from "rxjs";
import { TestClock } from "../../src/testing/test-clock.js";

export class WatchedClock extends TestClock {
  private readonly armed = new Subject<number>();

  override setTimeout(fn: () => void, ms: number): number {
    const id = super.setTimeout(fn, ms);
    this.armed.next(ms);
    return id;
  }

  /** Resolves when a timer for `ms` (or one for which `match(ms)` holds) is scheduled from now on. */
  nextArmed(match: number | ((ms: number) => boolean)): Promise<number> {
    const ok = typeof match === "number" ? (ms: number) => ms === match : match;
    return firstValueFrom(this.armed.pipe(filter(ok)));
  }
}
