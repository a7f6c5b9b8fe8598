/**
 * Per-key logical clocks for the `newest` seed policy: a Lamport stamp `[counter, writer]` for
 * each store key, bumped on every local change (also while no session runs) and raised to what
 * arrives from the peer. At pairing the larger stamp wins a key: the value written last in the
 * causal order of the two devices' edits; edits made apart from each other (both offline) are
 * ordered by counter, then by writer id, so both devices pick the same value.
 */
export type Stamp = readonly [counter: number, writer: string];

export function compareStamps(a: Stamp, b: Stamp): number {
  return a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
}

export function isStamp(v: unknown): v is Stamp {
  return Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && (v[0] as number) >= 0 && typeof v[1] === "string" && (v[1] as string).length <= 64;
}

/** One device's clock and the stamp of each key it knows. */
export class StampBook {
  private counter = 0;
  private readonly stamps = new Map<string, Stamp>();
  constructor(readonly writer: string) {}

  /** A local change of `key`. */
  bump(key: string): Stamp {
    const s: Stamp = [++this.counter, this.writer];
    this.stamps.set(key, s);
    return s;
  }

  /** Take the peer's (or the merged) stamp for `key`. */
  adopt(key: string, stamp: Stamp): void {
    this.stamps.set(key, stamp);
    if (stamp[0] > this.counter) this.counter = stamp[0];
  }

  get(key: string): Stamp | undefined {
    return this.stamps.get(key);
  }

  entries(): Record<string, Stamp> {
    return Object.fromEntries(this.stamps);
  }
}
