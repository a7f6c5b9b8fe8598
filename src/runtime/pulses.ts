/**
 * Pulses: ACTIVITY and PEER_MESSAGE_OK only say "something happened" (they re-arm the dead-man
 * and the peer-gone timers), so the runtime throttles them before the session actor sees them.
 * The profile of the set -> observe path showed the actor's macrosteps for these pulses (three
 * per set: ACTIVITY on both sides, PEER_MESSAGE_OK on the receiver) as the runtime's largest own
 * cost (~37% of CPU).
 *
 * Rules, per pulse type, all on the ENGINE's clock (a SimulatedClock in tests):
 * - at most one per microtask, however many edits or frames the microtask saw;
 * - leading edge: a pulse that opens a window (none delivered in the last `windowMs`, or the
 *   actor moved since — a new state may react differently) reaches the actor at once;
 * - a repeat inside the window is held; if any was held, ONE trailing pulse reaches the actor when
 *   the window ends (and opens the next window). So a timer is re-armed at most `windowMs` late:
 *   a session may live up to one window LONGER than inactivityMs / peerGoneMs after the last real
 *   activity, never shorter;
 * - a repeat at the very clock millisecond of the last delivery, with the actor unmoved, is
 *   dropped outright: it would re-arm the very same timers (`now + constant`) in the very same
 *   states (this is the whole rule when `windowMs` is 0);
 * - after `stop()` (the session's end) nothing is delivered and no timer is left pending.
 */
export type PulseType = "ACTIVITY" | "PEER_MESSAGE_OK";

export const isPulse = (type: string): type is PulseType => type === "ACTIVITY" || type === "PEER_MESSAGE_OK";

/** The timers the throttle needs: the engine's clock (never the global setTimeout directly). */
export interface PulseTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

interface Lane {
  /** Clock time of the last delivery (NaN: never). */
  at: number;
  /** `gen` at the last delivery. */
  gen: number;
  /** A pulse was held inside the window: deliver one at its end. */
  held: boolean;
  /** The window-end timer, while one is pending. */
  timer: { id: unknown } | null;
}

export class Pulses {
  private readonly queued = new Set<PulseType>();
  private readonly lanes: Record<PulseType, Lane> = {
    ACTIVITY: { at: Number.NaN, gen: -1, held: false, timer: null },
    PEER_MESSAGE_OK: { at: Number.NaN, gen: -1, held: false, timer: null },
  };
  /** Bumped on every actor update not caused by a pulse. */
  private gen = 0;
  private delivering = false;
  private stopped = false;

  /**
   * `windowMs` 0 (the default) only coalesces per microtask and drops same-millisecond repeats;
   * with `windowMs` > 0, `timers` is required (it runs the trailing pulse).
   */
  constructor(
    private readonly now: () => number,
    private readonly deliver: (type: PulseType) => void,
    private readonly windowMs = 0,
    private readonly timers?: PulseTimers,
  ) {
    if (!(windowMs >= 0) || !Number.isFinite(windowMs)) throw new RangeError(`pulse window must be a finite number >= 0, got ${windowMs}`);
    if (windowMs > 0 && timers === undefined) throw new TypeError("a pulse window needs the engine's timers");
  }

  /** Something happened: the actor hears `type` at the end of this microtask, or at the window's end. */
  pulse(type: PulseType): void {
    if (this.stopped || this.queued.has(type)) return;
    this.queued.add(type);
    queueMicrotask(() => {
      this.queued.delete(type);
      if (this.stopped) return;
      const lane = this.lanes[type];
      const t = this.now();
      if (lane.gen === this.gen) {
        if (lane.at === t) return; // identical deadlines: nothing to re-arm
        if (t < lane.at + this.windowMs) {
          this.hold(type, lane);
          return;
        }
      }
      this.send(type, lane, t);
    });
  }

  /** The actor moved (an event that is not a pulse, a timer, a child): the next pulse leads a new window. */
  actorMoved(): void {
    if (!this.delivering) this.gen++;
  }

  /** The session ended: cancel the window timers; nothing is delivered from now on. Idempotent. */
  stop(): void {
    this.stopped = true;
    for (const lane of Object.values(this.lanes)) {
      lane.held = false;
      this.cancel(lane);
    }
  }

  /** Pending window-end timers (for tests: none after stop()). */
  get pendingTimers(): number {
    return (this.lanes.ACTIVITY.timer ? 1 : 0) + (this.lanes.PEER_MESSAGE_OK.timer ? 1 : 0);
  }

  private hold(type: PulseType, lane: Lane): void {
    lane.held = true;
    if (lane.timer) return;
    const timer = { id: undefined as unknown };
    lane.timer = timer;
    // Fires at the window's end measured from the last delivery (not from this pulse).
    const wait = Math.max(0, lane.at + this.windowMs - this.now());
    timer.id = this.timers!.setTimeout(() => {
      if (lane.timer !== timer) return; // cancelled (a clock that cannot clear runs it anyway)
      lane.timer = null;
      if (this.stopped || !lane.held) return;
      this.send(type, lane, this.now());
    }, wait);
  }

  private send(type: PulseType, lane: Lane, t: number): void {
    lane.held = false;
    this.cancel(lane); // this delivery covers anything held: it re-arms from later still
    this.delivering = true;
    try {
      this.deliver(type);
    } finally {
      this.delivering = false;
    }
    lane.at = t;
    lane.gen = this.gen;
  }

  private cancel(lane: Lane): void {
    if (!lane.timer) return;
    const { id } = lane.timer;
    lane.timer = null;
    this.timers?.clearTimeout(id);
  }
}
