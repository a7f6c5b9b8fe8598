/**
 * How nameplates are handed out, in O(1): small decimal numbers in tiers (1–99, then 100–999,
 * 1000–9999, 10000–99999), a tier used only when the smaller ones have nothing free. Within a
 * tier, numbers never handed out come first, picked at random (so the next number is not
 * predictable), then released ones, least recently released first, once their cool-down is
 * over — so a number is reused as late as the pool allows, never sooner than its cool-down.
 * Two cool-downs: after a join (the pairing happened) and after a release without a join (the
 * host gave up while someone may still be typing the code), the second one longer.
 * The memory store uses `NameplatePool`; the Redis store runs the same algorithm in Lua.
 */
export const NAMEPLATE_TIERS: readonly (readonly [number, number])[] = [
  [1, 99],
  [100, 999],
  [1_000, 9_999],
  [10_000, 99_999],
];

/** Which tier a nameplate belongs to (0-based): 1–2 digits → 0, 3 → 1, … */
export const tierOf = (nameplate: string) => Math.max(0, nameplate.length - 2);

export type CoolKind = "joined" | "released";

/** A FIFO of (availableAt, nameplate) with amortised O(1) shift. */
class Fifo {
  private at: number[] = [];
  private np: number[] = [];
  private head = 0;
  push(availableAt: number, n: number): void {
    this.at.push(availableAt);
    this.np.push(n);
  }
  /** Pops the head if it is available at `now`. */
  popReady(now: number): number | undefined {
    if (this.head >= this.at.length || this.at[this.head]! > now) return undefined;
    const n = this.np[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.at.length) {
      this.at = this.at.slice(this.head);
      this.np = this.np.slice(this.head);
      this.head = 0;
    }
    return n;
  }
}

interface Tier {
  readonly lo: number;
  readonly size: number;
  /** Never-handed-out numbers as offsets; the first `unusedLeft` are still free. Lazy. */
  unused: Uint32Array | undefined;
  unusedLeft: number;
  readonly joined: Fifo;
  readonly released: Fifo;
}

export interface NameplatePoolOptions {
  readonly joinedCooldownMs: number;
  readonly releasedCooldownMs: number;
  readonly random: () => number;
  /** Whether `n` may be handed out now (not live, not cooling): the store's records decide. */
  readonly usable: (nameplate: string) => boolean;
}

export class NameplatePool {
  private readonly tiers: Tier[] = NAMEPLATE_TIERS.map(([lo, hi]) => ({
    lo,
    size: hi - lo + 1,
    unused: undefined,
    unusedLeft: hi - lo + 1,
    joined: new Fifo(),
    released: new Fifo(),
  }));

  constructor(private readonly options: NameplatePoolOptions) {}

  /** A free nameplate, or undefined when every tier is busy. */
  take(now: number): string | undefined {
    for (const tier of this.tiers) {
      while (tier.unusedLeft > 0) {
        const n = String(tier.lo + this.pickUnused(tier));
        if (this.options.usable(n)) return n;
      }
      const n = this.reuse(tier.joined, now) ?? this.reuse(tier.released, now);
      if (n !== undefined) return n;
    }
    return undefined;
  }

  /** The first number of `q` whose cool-down is over and which the store says is free. */
  private reuse(q: Fifo, now: number): string | undefined {
    for (let n = q.popReady(now); n !== undefined; n = q.popReady(now)) {
      const np = String(n);
      if (this.options.usable(np)) return np;
    }
    return undefined;
  }

  /** `nameplate` is free again after its cool-down. */
  giveBack(nameplate: string, kind: CoolKind, now: number): void {
    const tier = this.tiers[tierOf(nameplate)];
    if (!tier) return;
    const cool = kind === "joined" ? this.options.joinedCooldownMs : this.options.releasedCooldownMs;
    (kind === "joined" ? tier.joined : tier.released).push(now + cool, Number(nameplate));
  }

  /** Swap-remove a random never-used offset. */
  private pickUnused(tier: Tier): number {
    if (!tier.unused) {
      tier.unused = new Uint32Array(tier.size);
      for (let i = 0; i < tier.size; i++) tier.unused[i] = i;
    }
    const i = Math.floor(this.options.random() * tier.unusedLeft);
    const last = --tier.unusedLeft;
    const picked = tier.unused[i]!;
    tier.unused[i] = tier.unused[last]!;
    return picked;
  }
}
