/**
 * Small statistics for the bench: median, percentiles, and interleaved trials.
 *
 * The machine is a noisy shared 2-core VM, so every figure the harness reports is a median over
 * trials, and the engine's trials alternate with its baseline's (A B, B A, A B, …) so that a burst
 * of noise hits both sides rather than one.
 */

/** Median of a non-empty list (mean of the two middle values for even lengths). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError("median of an empty list");
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** "min–max" of a non-empty list, two decimals: the spread a median was taken over. */
export function rangeLabel(xs: readonly number[]): string {
  if (xs.length === 0) throw new RangeError("range of an empty list");
  return `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
}

/**
 * The item whose key is the median (an odd count: the middle one; an even count: the lower of
 * the two middle ones), so a figure reported from it is one that was measured, with the
 * figures measured beside it, rather than a blend of several runs.
 */
export function medianItem<T>(items: readonly T[], key: (item: T) => number): T {
  if (items.length === 0) throw new RangeError("median of an empty list");
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[(sorted.length - 1) >> 1]!;
}

/** Nearest-rank percentile, p in [0, 1]. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) throw new RangeError("percentile of an empty list");
  if (!(p >= 0 && p <= 1)) throw new RangeError("p must be in [0, 1]");
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(p * s.length));
  return s[rank - 1]!;
}

export const p50 = (xs: readonly number[]): number => percentile(xs, 0.5);
export const p99 = (xs: readonly number[]): number => percentile(xs, 0.99);

/**
 * Run `trials` rounds over named measurements; each round runs every measurement once, in an
 * order that rotates by one per round, so no side always goes first (the first run after another
 * workload tends to be slower). Returns each measurement's list of results in trial order.
 */
export async function interleave<F extends Record<string, () => unknown>>(
  trials: number,
  fns: F,
): Promise<{ [K in keyof F]: Awaited<ReturnType<F[K]>>[] }> {
  const keys = Object.keys(fns) as (keyof F & string)[];
  const out = Object.fromEntries(keys.map((k) => [k, [] as unknown[]])) as Record<keyof F, unknown[]>;
  for (let t = 0; t < trials; t++) {
    const order = keys.map((_, i) => keys[(i + t) % keys.length]!);
    for (const k of order) out[k].push(await fns[k]!());
  }
  return out as { [K in keyof F]: Awaited<ReturnType<F[K]>>[] };
}

/** Milliseconds from a high-resolution clock. */
export const nowMs = (): number => performance.now();

/** CPU milliseconds (user + system, all threads of this process) since `start`. */
export function cpuMsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}
