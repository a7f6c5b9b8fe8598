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
import { TimedFifo } from "../fifo.js";

export const NAMEPLATE_TIERS: readonly (readonly [number, number])[] = [
  [1, 99],
  [100, 999],
  [1_000, 9_999],
  [10_000, 99_999],
];

/** Which tier a nameplate belongs to (0-based): 1–2 digits → 0, 3 → 1, … */
export const tierOf = (nameplate: string) => Math.max(0, nameplate.length - 2);

export type CoolKind = "joined" | "released";

interface Tier {
  readonly lo: number;
  readonly size: number;
  /** Never-handed-out numbers as offsets; the first `unusedLeft` are still free. Lazy. */
  unused: Uint32Array | undefined;
  unusedLeft: number;
  /** Nameplates given back after a join / a release, by when their cool-down ends. */
  readonly joined: TimedFifo<number>;
  readonly released: TimedFifo<number>;
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
    joined: new TimedFifo<number>(),
    released: new TimedFifo<number>(),
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
  private reuse(q: TimedFifo<number>, now: number): string | undefined {
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

/** Offsets within a tier are below this (the largest tier has 90,000 numbers). */
const TIER_STRIDE = 100_000;

/**
 * Where a nameplate lives in the tiers, as `tier * TIER_STRIDE + offset` (a number, not a pair:
 * it is asked on every host and join), or -1 for any string the pool never hands out ("07", "0").
 */
function slotOf(nameplate: string): number {
  const t = tierOf(nameplate);
  const tier = NAMEPLATE_TIERS[t];
  const n = Number(nameplate);
  if (tier === undefined || !Number.isInteger(n) || String(n) !== nameplate || n < tier[0] || n > tier[1]) return -1;
  return t * TIER_STRIDE + (n - tier[0]);
}

/**
 * What the store remembers of recently taken or released nameplates — whether a joiner took it
 * (a third party is told `crowded`, else `not_found`) and until when — in one slot per number of
 * a tier, made when the tier is first used, where a map would make an entry object per pairing
 * and keep it a TTL. A record out of date answers nothing; `forgetDue` also zeroes it (the relay
 * keeps nothing about a pairing past the TTL), visiting only the records that are due, in the
 * order they were made.
 */
export class RecentNameplates {
  private readonly until: (Float64Array | undefined)[] = NAMEPLATE_TIERS.map(() => undefined);
  private readonly joined: (Uint8Array | undefined)[] = NAMEPLATE_TIERS.map(() => undefined);
  /** (forgetAt, tier * TIER_STRIDE + offset) of every record, oldest first. */
  private due = new TimedFifo<number>();

  /** Remember `nameplate` until `forgetAt`: taken by a joiner, or released without one. */
  record(nameplate: string, joined: boolean, forgetAt: number): void {
    const slot = slotOf(nameplate);
    if (slot < 0) return;
    const t = Math.floor(slot / TIER_STRIDE);
    const i = slot % TIER_STRIDE;
    const size = NAMEPLATE_TIERS[t]![1] - NAMEPLATE_TIERS[t]![0] + 1;
    const until = (this.until[t] ??= new Float64Array(size));
    const flags = (this.joined[t] ??= new Uint8Array(size));
    until[i] = forgetAt;
    flags[i] = joined ? 1 : 0;
    this.due.push(forgetAt, slot);
  }

  /** Records made and not yet forgotten by `forgetDue` (out of date or not). */
  get size(): number {
    return this.due.size;
  }

  /** Zero every record whose time has come (one made again since keeps its new time). */
  forgetDue(now: number): void {
    for (let x = this.due.popReady(now); x !== undefined; x = this.due.popReady(now)) {
      const t = Math.floor(x / TIER_STRIDE);
      const i = x % TIER_STRIDE;
      const until = this.until[t]!;
      if (until[i]! <= now) {
        until[i] = 0;
        this.joined[t]![i] = 0;
      }
    }
  }

  /** Whether a joiner took `nameplate` and that is still remembered at `now`. */
  joinedRecently(nameplate: string, now: number): boolean {
    const slot = slotOf(nameplate);
    if (slot < 0) return false;
    const t = Math.floor(slot / TIER_STRIDE);
    const i = slot % TIER_STRIDE;
    return (this.until[t]?.[i] ?? 0) > now && this.joined[t]![i] === 1;
  }

  /** Forget `nameplate` (it is handed out again). */
  forget(nameplate: string): void {
    const slot = slotOf(nameplate);
    if (slot < 0) return;
    const until = this.until[Math.floor(slot / TIER_STRIDE)];
    if (until !== undefined) until[slot % TIER_STRIDE] = 0;
  }

  /** Forget everything (the store is closed). */
  clear(): void {
    this.until.fill(undefined);
    this.joined.fill(undefined);
    this.due = new TimedFifo<number>();
  }
}
