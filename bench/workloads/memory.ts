/**
 * Workload 6 — memory (this child runs with --expose-gc).
 *
 *  a) Heap (after GC) and RSS of one idle paired session: both engines of a pair in this
 *     process, connected, one value synced, then idle (several held at once, divided). Over the in-memory network, and over
 *     werift on loopback. Baselines: the same content in two bare Y.Docs + two y-protocols
 *     Awareness instances; and a bare werift pair. Informational (the issue sets no budget).
 *  b) 200 sessions created, paired, synced once and ended in one process (in-memory network and
 *     relay — werift setup would make this take minutes), heap after GC compared with the heap
 *     after GC before the loop (taken after a few warm-up sessions, so module loading and JIT
 *     code are not counted). Target: end/start <= 1.05. The note lists live handles (timers,
 *     sockets) before/after from process.getActiveResourcesInfo().
 */
import { Awareness } from "y-protocols/awareness";
import * as Y from "yjs";
import { createEnginePair } from "../lib/engine-pair.js";
import { median } from "../lib/stats.js";
import { FULL_RUN_ONLY, makeRow, type WorkloadRow } from "../lib/table.js";
import { createWeriftPair } from "../lib/werift-pair.js";
import { measured, type PendingSpec, type WorkloadOptions } from "../lib/workload.js";

const KiB = 1024;

async function settledHeap(): Promise<{ heap: number; rss: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with --expose-gc");
  for (let i = 0; i < 4; i++) {
    await new Promise<void>((r) => setImmediate(r));
    gc();
  }
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

/**
 * Heap/RSS held per instance of whatever `make` creates: `count` instances are created and kept
 * alive together, the delta after GC is divided by `count` (one instance is small next to GC
 * noise), then all are released; median over `reps`.
 */
async function held<T>(
  reps: number,
  count: number,
  make: () => Promise<T>,
  release: (t: T) => Promise<void>,
): Promise<{ heap: number; rss: number; rssWith: number; rssWithout: number }> {
  const heaps: number[] = [];
  const rsss: number[] = [];
  const withs: number[] = [];
  const withouts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const before = await settledHeap();
    const things: T[] = [];
    for (let j = 0; j < count; j++) things.push(await make());
    const after = await settledHeap();
    heaps.push((after.heap - before.heap) / count);
    rsss.push((after.rss - before.rss) / count);
    withs.push(after.rss);
    withouts.push(before.rss);
    for (const t of things) await release(t);
    // Let go of them now: a released session the next rep's `before` still reached (this async
    // frame keeps `things` until it is reassigned) was subtracted from that rep's figure.
    things.length = 0;
  }
  return { heap: median(heaps), rss: median(rsss), rssWith: median(withs), rssWithout: median(withouts) };
}

const bareDocs = async () => {
  const a = new Y.Doc();
  const b = new Y.Doc();
  const aa = new Awareness(a);
  const ab = new Awareness(b);
  a.getMap("hello").set("first", "change");
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
  return { a, b, aa, ab };
};
const releaseDocs = async (x: Awaited<ReturnType<typeof bareDocs>>) => {
  x.aa.destroy();
  x.ab.destroy();
  x.a.destroy();
  x.b.destroy();
};

const handles = () => {
  const counts: Record<string, number> = {};
  for (const h of process.getActiveResourcesInfo()) counts[h] = (counts[h] ?? 0) + 1;
  return Object.entries(counts).map(([k, v]) => `${k}:${v}`).join(" ");
};

export async function run(o: WorkloadOptions): Promise<WorkloadRow[]> {
  const reps = o.quick ? 2 : 5;
  const sessions = 200;
  const specs: PendingSpec[] = [
    { workload: 6, name: "idle paired session heap, memory network (both ends)", unit: "KiB", baseline: null, baselineName: "2 bare Y.Doc + Awareness, same content", target: null, higherIsBetter: false },
    { workload: 6, name: "process RSS with idle paired sessions held, memory network", unit: "KiB", baseline: null, baselineName: "process RSS just before creating them", target: null, higherIsBetter: false },
    { workload: 6, name: "idle paired session heap, werift loopback (both ends)", unit: "KiB", baseline: null, baselineName: "bare werift pair", target: null, higherIsBetter: false },
    { workload: 6, name: `heap after ${sessions} sessions created+ended (memory network), after GC`, unit: "KiB", baseline: null, baselineName: "heap after GC before the loop", target: 1.05, higherIsBetter: false },
  ];
  const memCount = o.quick ? 10 : 20;
  const weriftCount = o.quick ? 2 : 4;
  const docs = await held(reps, memCount, bareDocs, releaseDocs);
  // werift sessions take ~0.3-1 s each to set up: full runs only, so --quick stays short.
  const floorWerift = o.quick ? undefined : await held(reps, weriftCount, createWeriftPair, (p) => p.close());
  const fill = (rows: WorkloadRow[], baselines: (number | null)[]) =>
    rows.map((r, i) => (r.engine === null && r.note !== undefined ? makeRow({ ...r, engine: null, baseline: baselines[i] ?? null, note: r.note }) : r));

  const idle = fill(
    await measured(
      specs.slice(0, 3),
      async () => {
        const warm = await createEnginePair({ transport: "memory", aead: "node" });
        await warm.close();
        o.log("idle sessions …");
        const mem = await held(reps, memCount, () => createEnginePair({ transport: "memory", aead: "node" }), (p) => p.close());
        const wer = o.quick ? undefined : await held(reps, weriftCount, () => createEnginePair({ transport: "werift", aead: "node" }), (p) => p.close());
        o.log(`idle session heap: memory ${(mem.heap / KiB).toFixed(0)} KiB (docs ${(docs.heap / KiB).toFixed(0)})${wer && floorWerift ? `, werift ${(wer.heap / KiB).toFixed(0)} KiB (bare ${(floorWerift.heap / KiB).toFixed(0)})` : ""}`);
        return [
          makeRow({ ...specs[0]!, engine: mem.heap / KiB, baseline: docs.heap / KiB, note: `per session: ${memCount} held at once, median of ${reps}` }),
          makeRow({ ...specs[1]!, engine: mem.rssWith / KiB, baseline: mem.rssWithout / KiB, note: `with ${memCount} sessions held; RSS per session ${(mem.rss / KiB).toFixed(0)} KiB (memory)${wer ? `, ${(wer.rss / KiB).toFixed(0)} KiB (werift)` : ""}` }),
          wer && floorWerift
            ? makeRow({ ...specs[2]!, engine: wer.heap / KiB, baseline: floorWerift.heap / KiB, note: `per session: ${weriftCount} held at once, median of ${reps}` })
            : makeRow({ ...specs[2]!, engine: null, note: FULL_RUN_ONLY }),
        ];
      },
      o.log,
    ),
    [docs.heap / KiB, null, floorWerift ? floorWerift.heap / KiB : null],
  );

  const churn = await measured(
    specs.slice(3),
    async () => {
      for (let i = 0; i < 10; i++) await (await createEnginePair({ transport: "memory", aead: "node" })).close();
      o.log(`${sessions} sessions …`);
      const start = await settledHeap();
      const h0 = handles();
      for (let i = 0; i < sessions; i++) {
        const p = await createEnginePair({ transport: "memory", aead: "node" });
        p.a.doc.getMap("x").set("k", i);
        await p.close();
      }
      const end = await settledHeap();
      const h1 = handles();
      o.log(`heap start ${(start.heap / KiB).toFixed(0)} KiB, after ${sessions} sessions ${(end.heap / KiB).toFixed(0)} KiB; handles before [${h0}] after [${h1}]`);
      return [makeRow({ ...specs[3]!, engine: end.heap / KiB, baseline: start.heap / KiB, note: `${((end.heap - start.heap) / sessions / KiB).toFixed(1)} KiB/session; live handles before [${h0}] after [${h1}]` })];
    },
    o.log,
  );
  return [...idle, ...churn];
}
