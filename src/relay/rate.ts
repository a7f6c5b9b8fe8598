/**
 * Token bucket on the relay clock: `rate` tokens per second, at most `burst` saved up.
 */
import type { Clock } from "../clock.js";

/** A class rather than closures: one small object per bucket (there are several per address). */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly clock: Clock,
    private readonly rate: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }
  private refill(now = this.clock.now()): void {
    if (now === this.last) return;
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
  /** Whether a token is there, without taking it. */
  has(): boolean {
    this.refill();
    return this.tokens >= 1;
  }
  /** Whether the bucket has refilled completely (nothing to remember about its owner). */
  full(now?: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }
}

/**
 * What was added in the last `windowMs`, in `slots` buckets (so an amount leaves the sum at
 * most one bucket late). Used for held bytes: a held blob lives at most the TTL, so what an
 * address put on hold within one TTL bounds what it holds at any moment; what was read or
 * delivered is taken back out of the bucket it went into (`remove`).
 */
export class WindowSum {
  // Plain arrays of numbers, not typed arrays: one exists per address that posted a blob, and a
  // typed array's separate backing store costs more to make than its few slots are worth.
  private readonly amounts: number[];
  private readonly ids: number[];
  private readonly slotMs: number;

  constructor(windowMs: number, private readonly slots = 12) {
    this.slotMs = windowMs / slots;
    this.amounts = new Array<number>(slots + 1).fill(0);
    this.ids = new Array<number>(slots + 1).fill(-Infinity);
  }

  add(now: number, amount: number): void {
    const id = Math.floor(now / this.slotMs);
    const i = id % this.amounts.length;
    if (this.ids[i] !== id) {
      this.ids[i] = id;
      this.amounts[i] = 0;
    }
    this.amounts[i]! += amount;
  }

  /** Take back `amount` added at `at`, unless its slot has already left the window. */
  remove(at: number, amount: number): void {
    const id = Math.floor(at / this.slotMs);
    const i = id % this.amounts.length;
    if (this.ids[i] === id) this.amounts[i]! -= amount;
  }

  total(now: number): number {
    const oldest = Math.floor(now / this.slotMs) - this.slots;
    let sum = 0;
    for (let i = 0; i < this.amounts.length; i++) if (this.ids[i]! >= oldest) sum += this.amounts[i]!;
    return sum;
  }
}
