/**
 * TimerLedger: a `Clock` over the public `TestClock` that knows which delayed event each timer
 * will deliver, so a model-based walk can fire "the pingInterval timer of connection" by name.
 *
 * It learns the names from public inspection data only: XState schedules a delayed transition
 * with an `xstate.raise` action whose params carry the event and the resolved delay, and calls
 * `clock.setTimeout` with that delay once the macrostep is over. The ledger pairs the two by
 * delay, oldest first, and fails loudly when it cannot tell two timers apart. Nothing private of XState or of
 * the clock is read.
 */
import type { AnyActorRef, InspectionEvent } from "xstate";
import type { Clock } from "../../src/clock.js";
import { TestClock } from "../../src/testing/test-clock.js";

export type FireMode = "clock" | "direct";

interface Scheduled {
  readonly eventType: string;
  readonly delay: number;
  readonly actor: AnyActorRef;
}

interface LedgerTimer extends Scheduled {
  readonly handle: number;
  readonly due: number;
  readonly fn: () => void;
}

export class TimerLedger implements Clock {
  readonly clock = new TestClock();
  /** Raises seen in inspection, waiting for their `setTimeout`. */
  private readonly announced: Scheduled[] = [];
  private readonly live = new Map<number, LedgerTimer>();

  /** Pass as (part of) the actor's `inspect` option. */
  readonly inspect = (ev: InspectionEvent): void => {
    if (ev.type !== "@xstate.action" || ev.action.type !== "xstate.raise") return;
    const params = ev.action.params as { event?: { type?: unknown }; delay?: unknown } | undefined;
    if (typeof params?.delay !== "number" || typeof params.event?.type !== "string") return;
    this.announced.push({ eventType: params.event.type, delay: params.delay, actor: ev.actorRef as AnyActorRef });
  };

  now(): number {
    return this.clock.now();
  }

  setTimeout(fn: () => void, ms: number): number {
    // Deferred schedules of nested actors may interleave, so match on the delay, oldest first,
    // and refuse to guess between two different events announced with the same delay.
    const candidates = this.announced.filter((a) => a.delay === ms);
    const next = candidates[0];
    if (next === undefined) throw new Error(`TimerLedger: a ${ms} ms timer was scheduled that no xstate.raise announced`);
    if (candidates.some((c) => c.eventType !== next.eventType)) {
      throw new Error(`TimerLedger: ambiguous ${ms} ms timer: ${candidates.map((c) => c.eventType).join(" / ")}`);
    }
    this.announced.splice(this.announced.indexOf(next), 1);
    const handle = this.clock.setTimeout(() => {
      this.live.delete(handle);
      fn();
    }, ms);
    this.live.set(handle, { ...next, handle, due: this.clock.now() + Math.max(0, ms), fn });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    this.live.delete(handle as number);
    this.clock.clearTimeout(handle);
  }

  /** The timers still scheduled, soonest first. */
  pending(): LedgerTimer[] {
    return [...this.live.values()].sort((a, b) => a.due - b.due || a.handle - b.handle);
  }

  /** The one pending timer that will deliver `eventType`. */
  timerFor(eventType: string): LedgerTimer {
    const matches = [...this.live.values()].filter((t) => t.eventType === eventType);
    if (matches.length !== 1) {
      throw new Error(`expected one pending ${eventType} timer, found ${matches.length} in [${this.describe()}]`);
    }
    return matches[0]!;
  }

  /** How `fire(eventType)` would run it now, and at what clock time its event would arrive. */
  plan(eventType: string): { readonly mode: FireMode; readonly at: number } {
    const timer = this.timerFor(eventType);
    return this.pending()[0]!.handle === timer.handle ? { mode: "clock", at: timer.due } : { mode: "direct", at: this.clock.now() };
  }

  /**
   * Fires the timer that delivers `eventType`. If it is the first due, the clock moves to its due
   * time (the real order). Otherwise the graph's path cannot happen with these timings in one
   * go, so its scheduled callback runs now (the same event through XState's scheduler), the
   * clock unmoved; callers count the two modes.
   */
  fire(eventType: string): FireMode {
    const timer = this.timerFor(eventType);
    const first = this.pending()[0]!;
    if (first.handle === timer.handle) {
      // runNext, not advance: a timer due at the same instant but scheduled later must not fire too.
      this.clock.runNext();
      if (this.live.has(timer.handle)) throw new Error(`TimerLedger: ${eventType} did not fire at its due time`);
      return "clock";
    }
    this.clearTimeout(timer.handle);
    timer.fn();
    return "direct";
  }

  describe(): string {
    return this.pending()
      .map((t) => `${t.eventType} in ${t.due - this.clock.now()} ms`)
      .join(", ");
  }
}

/**
 * `clock.advance(ms)`, one timer at a time, failing after `maxTimers`: a machine that re-arms a
 * zero delay forever must fail the test, not hang the worker (a synchronous loop cannot be timed out).
 */
export function advance(clock: TestClock, ms: number, maxTimers = 10_000): void {
  const end = clock.now() + ms;
  for (let fired = 0; ; fired += 1) {
    const due = clock.nextDue;
    if (due === null || due > end) break;
    if (fired >= maxTimers) throw new Error(`more than ${maxTimers} timers fired within ${ms} ms (a timer re-arming itself?)`);
    clock.runNext();
  }
  clock.advance(end - clock.now());
}
