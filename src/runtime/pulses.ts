/**
 * Pulses: ACTIVITY and PEER_MESSAGE_OK only say "something happened" (they re-arm the dead-man
 * and the peer-gone timers), so the runtime sends the session actor at most one of each per
 * microtask, however many edits or frames the microtask saw.
 *
 * A pulse is also dropped when the same pulse already reached the actor at the same clock
 * millisecond and nothing but pulses has moved the actor since: it would re-arm the very same
 * timers (`now + constant`) in the very same states, so the outcome is identical. The profile of
 * the set -> observe path showed the actor's macrosteps for these pulses (three per set: ACTIVITY
 * on both sides, PEER_MESSAGE_OK on the receiver) as the runtime's largest own cost.
 */
export type PulseType = "ACTIVITY" | "PEER_MESSAGE_OK";

export const isPulse = (type: string): type is PulseType => type === "ACTIVITY" || type === "PEER_MESSAGE_OK";

export class Pulses {
  private readonly queued = new Set<PulseType>();
  private readonly last: Record<PulseType, { at: number; gen: number }> = {
    ACTIVITY: { at: Number.NaN, gen: -1 },
    PEER_MESSAGE_OK: { at: Number.NaN, gen: -1 },
  };
  /** Bumped on every actor update not caused by a pulse. */
  private gen = 0;
  private delivering = false;

  constructor(
    private readonly now: () => number,
    private readonly deliver: (type: PulseType) => void,
  ) {}

  /** Something happened: the actor hears `type` once, at the end of this microtask. */
  pulse(type: PulseType): void {
    if (this.queued.has(type)) return;
    this.queued.add(type);
    queueMicrotask(() => {
      this.queued.delete(type);
      const t = this.now();
      const last = this.last[type];
      if (last.at === t && last.gen === this.gen) return;
      this.delivering = true;
      try {
        this.deliver(type);
      } finally {
        this.delivering = false;
      }
      last.at = t;
      last.gen = this.gen;
    });
  }

  /** The actor moved (an event that is not a pulse, a timer, a child): pulses count again. */
  actorMoved(): void {
    if (!this.delivering) this.gen++;
  }
}
