/**
 * The convergence property, shared by the convergence test files (each runs its own share of
 * the runs so vitest spreads them over the CPUs).
 *
 * One run = one session of two engines on a faulty memory network: pair on a clean network,
 * then the link drops / duplicates / reorders / corrupts / delays frames as drawn, partitions
 * come and go, both sides edit (unique keys, so "every edit" is checkable), and rotations are
 * forced in the middle. Then the partition heals and the faults stop; within a bounded time on
 * the simulated clock both docs must be equal (state vector and content) and hold every edit,
 * and both sessions must still be alive.
 *
 * Everything is seeded (faults, keys, Yjs client ids): `LETHE_PROP_SEED=<printed seed>` replays a
 * failing run exactly; `LETHE_PROP_RUNS` changes the count.
 */
import { expect } from "vitest";
import fc from "fast-check";
import * as Y from "yjs";
import { createEnginePair, type LinkFaults } from "../../src/testing/index.js";
import { nodeAead } from "../../src/adapters/crypto/node.js";

export type Action =
  | { readonly t: "edit"; readonly side: "a" | "b"; readonly n: number }
  | { readonly t: "wait"; readonly ms: number }
  | { readonly t: "partition" }
  | { readonly t: "heal" }
  | { readonly t: "rotate"; readonly side: "a" | "b" };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant("edit" as const), side: fc.constantFrom("a" as const, "b" as const), n: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 1500 }) }) },
  { weight: 1, arbitrary: fc.constant({ t: "partition" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "heal" as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("rotate" as const), side: fc.constantFrom("a" as const, "b" as const) }) },
);

/** Percentages as integers: fast-check's doubles crowd near zero, these spread over the range. */
const pct = (max: number) => fc.integer({ min: 0, max }).map((x) => x / 100);
const faults: fc.Arbitrary<LinkFaults> = fc.record({
  drop: pct(30),
  duplicate: pct(20),
  reorder: pct(20),
  corrupt: pct(10),
  delay: pct(30),
  maxDelayRounds: fc.integer({ min: 1, max: 6 }),
});

export const scenario = fc.record({
  netSeed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  faults,
  before: fc.array(action, { minLength: 2, maxLength: 14 }),
  rotateSide: fc.constantFrom("a" as const, "b" as const),
  after: fc.array(action, { minLength: 2, maxLength: 14 }),
});
export type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** Lifecycle timings for the property: short backoff, generous peer-gone (see docs). */
const TIMINGS = {
  peerGoneMs: 120_000,
  reconnectBaseMs: 250,
  reconnectMaxMs: 2_000,
  pingIntervalMs: 2_000,
  rotationAckTimeoutMs: 2_000,
  rotationGraceMs: 3_000,
  connectTimeoutMs: 3_000,
  inactivityMs: 30 * 60_000,
} as const;

/** Fault and error counts of one run (summed over all runs and printed). */
export interface RunResult {
  readonly stats: Record<string, number>;
}

/** LETHE_PROP_DEBUG=1 prints both engines' events and final states (for replaying one failure). */
const debug = process.env["LETHE_PROP_DEBUG"] === "1";

export async function runScenario(s: Scenario): Promise<RunResult> {
  const p = createEnginePair({ seed: s.netSeed, timings: TIMINGS, aead: nodeAead });
  const [na, nb] = p.names;
  await p.pair();
  if (debug) {
    p.a.events$.subscribe((e) => console.log(p.clock.now(), "A", JSON.stringify(e)));
    p.b.events$.subscribe((e) => console.log(p.clock.now(), "B", JSON.stringify(e)));
  }
  p.network.setFaults(na, nb, s.faults);
  const expected = new Set<string>();
  let counter = 0;
  const run = async (acts: readonly Action[]) => {
    for (const x of acts) {
      if (x.t === "edit") {
        const e = x.side === "a" ? p.a : p.b;
        for (let i = 0; i < x.n; i++) {
          const key = `${x.side}${counter++}`;
          e.doc.getMap("prefs").set(key, counter);
          expected.add(key);
        }
      } else if (x.t === "wait") await p.advance(x.ms, 500);
      else if (x.t === "partition") p.network.partition(na, nb);
      else if (x.t === "heal") p.network.heal();
      else (x.side === "a" ? p.a : p.b).rotateNow();
      await p.settle();
    }
  };
  await run(s.before);
  (s.rotateSide === "a" ? p.a : p.b).rotateNow();
  await p.settle();
  await run(s.after);
  p.network.heal();
  p.network.clearFaults();
  const done = () => {
    if (p.a.doc.isDestroyed || p.b.doc.isDestroyed) return true;
    const ma = p.a.doc.getMap("prefs");
    const mb = p.b.doc.getMap("prefs");
    // A rotation still in flight counts as not done: both must end on the same epoch.
    return ma.size === expected.size && mb.size === expected.size
      && p.a.snapshot().epoch === p.b.snapshot().epoch
      && Buffer.from(Y.encodeStateVector(p.a.doc)).equals(Buffer.from(Y.encodeStateVector(p.b.doc)));
  };
  for (let t = 0; t < 60 && !done(); t++) await p.advance(1_000, 1_000);
  if (debug) {
    console.log(JSON.stringify({ a: p.a.snapshot(), b: p.b.snapshot() }));
  }
  const alive = p.a.snapshot().status !== "ended" && p.b.snapshot().status !== "ended";
  const result = {
    aliveA: p.a.snapshot().status, aliveB: p.b.snapshot().status,
    keysA: p.a.doc.isDestroyed ? -1 : p.a.doc.getMap("prefs").size,
    keysB: p.b.doc.isDestroyed ? -1 : p.b.doc.getMap("prefs").size,
  };
  expect(alive, JSON.stringify(result)).toBe(true);
  const ja = p.a.doc.getMap("prefs").toJSON();
  const jb = p.b.doc.getMap("prefs").toJSON();
  expect(ja).toEqual(jb);
  expect(Object.keys(ja).sort()).toEqual([...expected].sort());
  expect(Y.encodeStateVector(p.a.doc)).toEqual(Y.encodeStateVector(p.b.doc));
  expect(p.a.snapshot().epoch).toBe(p.b.snapshot().epoch);
  const stats: Record<string, number> = { ...p.network.stats };
  for (const [k, v] of Object.entries(p.a.snapshot().counters)) if (k.startsWith("error.")) stats[`a.${k}`] = v;
  for (const [k, v] of Object.entries(p.b.snapshot().counters)) if (k.startsWith("error.")) stats[`b.${k}`] = v;
  stats["epoch"] = p.a.snapshot().epoch ?? -1;
  await p.a.end();
  await p.settle();
  return { stats };
}

/** Run `numRuns` scenarios from `seed` (printed, so a failure replays with LETHE_PROP_SEED). */
export async function checkConvergence(label: string, numRuns: number, defaultSeed: number): Promise<Record<string, number>> {
  const seed = process.env["LETHE_PROP_SEED"] !== undefined ? Number(process.env["LETHE_PROP_SEED"]) : defaultSeed;
  console.log(`[${label}] convergence property: seed=${seed} numRuns=${numRuns}`);
  const totals: Record<string, number> = { runs: 0 };
  await fc.assert(
    fc.asyncProperty(scenario, async (s) => {
      const r = await runScenario(s);
      totals["runs"]!++;
      for (const [k, v] of Object.entries(r.stats)) totals[k] = (totals[k] ?? 0) + v;
    }),
    { seed, numRuns, endOnFailure: true },
  );
  return totals;
}
