/**
 * `TestClock`: a simulated clock for tests, with a public API (no test reads a private field of
 * XState or of the clock). Pass it as the engine's `clock` (it is XState's `Clock` too): every
 * lifecycle delay and adapter timeout then runs only when the test moves time.
 *
 *   const clock = new TestClock();
 *   clock.advance(120_000);   // runs every timer due within the next two minutes, in due order
 *   clock.pending;            // timers still scheduled
 *   clock.runNext();          // jump to the next timer and run it (false if there is none)
 *
 * Timers due at the same instant run in the order they were scheduled; a timer scheduled by a
 * running timer for a time inside the advanced span runs in the same `advance`.
 */
import type { Clock } from "../clock.js";

interface Timer {
  readonly id: number;
  readonly due: number;
  readonly fn: () => void;
}

export class TestClock implements Clock {
  private time: number;
  private nextId = 1;
  private readonly timers = new Map<number, Timer>();

  constructor(startAt = 0) {
    if (!Number.isFinite(startAt)) throw new RangeError("TestClock: startAt must be a finite number");
    this.time = startAt;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): number {
    if (typeof fn !== "function") throw new TypeError("TestClock.setTimeout: fn must be a function");
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const id = this.nextId++;
    this.timers.set(id, { id, due: this.time + delay, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** How many timers are scheduled. */
  get pending(): number {
    return this.timers.size;
  }

  /** When the next timer is due, or null. */
  get nextDue(): number | null {
    const t = this.earliest();
    return t === undefined ? null : t.due;
  }

  /** The delays (from now) of the scheduled timers, soonest first. */
  pendingDelays(): number[] {
    return [...this.timers.values()].map((t) => t.due - this.time).sort((a, b) => a - b);
  }

  /**
   * Moves time forward by `ms`, running every timer that falls due, in due order. A timer that
   * keeps re-arming itself without moving time would loop forever: after `maxTimers` firings in
   * one call it throws instead, so a test fails rather than hangs.
   */
  advance(ms: number, maxTimers = 1_000_000): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError("TestClock.advance: ms must be a finite number >= 0");
    const end = this.time + ms;
    for (let fired = 0; ; fired++) {
      const t = this.earliest();
      if (t === undefined || t.due > end) break;
      if (fired >= maxTimers) throw new RangeError(`TestClock.advance: more than ${maxTimers} timers fired within ${ms} ms (a timer re-arming at no delay?)`);
      this.fire(t);
    }
    this.time = end;
  }

  /** Jumps to the next timer and runs it; false when nothing is scheduled. */
  runNext(): boolean {
    const t = this.earliest();
    if (t === undefined) return false;
    this.fire(t);
    return true;
  }

  private fire(t: Timer): void {
    this.timers.delete(t.id);
    if (t.due > this.time) this.time = t.due;
    t.fn();
  }

  private earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers.values()) {
      if (best === undefined || t.due < best.due || (t.due === best.due && t.id < best.id)) best = t;
    }
    return best;
  }
}
