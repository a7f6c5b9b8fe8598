/**
 * Workload 2 — update latency over werift: a Y.Map set on engine A observed on engine B
 * (both encryption layers on: DTLS and our sealed frames, node:crypto AES-256-GCM), N sequential
 * sets, p50/p99 — against a bare werift data channel's round trip / 2 with a message of the
 * engine's own frame size, measured in the same process, trials interleaved on warm connections.
 * The issue sets no target against the floor (the target is against y-websocket, workload 4),
 * so these rows are informational: the ratio says what the engine adds over the transport. CPU
 * per set (both engines, this process, all threads) is set beside the bare channel's CPU per
 * one-way message (a round trip is two messages).
 */
import { createEnginePair } from "../lib/engine-pair.js";
import { cpuMsSince, interleave, median, p50, p99 } from "../lib/stats.js";
import { makeRow, type WorkloadRow } from "../lib/table.js";
import { createWeriftPair, pingPong } from "../lib/werift-pair.js";
import { setObserveLatency } from "../lib/yjs-drivers.js";
import { measured, type PendingSpec, type WorkloadOptions } from "../lib/workload.js";

const base = { workload: 2, unit: "ms", target: null, higherIsBetter: false } as const;

export async function run(o: WorkloadOptions): Promise<WorkloadRow[]> {
  const trials = o.quick ? 3 : 7;
  const sets = o.quick ? 300 : 1000;
  const floor = await createWeriftPair();
  const specs = (size: number | string): PendingSpec[] => [
    { ...base, name: "update latency p50 (set on A -> observe on B)", baseline: null, baselineName: `bare werift RTT/2, ${size} B` },
    { ...base, name: "update latency p99", baseline: null, baselineName: `bare werift RTT/2 p99, ${size} B` },
    { ...base, name: "CPU per sequential set, both peers (all threads)", unit: "µs CPU", baseline: null, baselineName: `bare werift CPU per one-way msg, ${size} B` },
  ];
  // CPU of one trial (process.cpuUsage counts every thread, GC included), per set / per message.
  const withCpu = async (f: () => Promise<number[]>, perTrial: number) => {
    const c0 = process.cpuUsage();
    const lat = await f();
    return { lat, cpuUs: (cpuMsSince(c0) * 1000) / perTrial };
  };
  try {
    const rows = await measured(
      specs("frame-size"),
      async () => {
        const pair = await createEnginePair({ transport: "werift", aead: "node" });
        try {
          // The floor uses the engine's real frame size for one set (probe: 20 sets).
          const f0 = { ...pair.wireA };
          await setObserveLatency(pair.docs, 20, 0, "probe");
          const size = Math.max(1, Math.round((pair.wireA.bytes - f0.bytes) / Math.max(1, pair.wireA.frames - f0.frames)));
          o.log(`engine frame per set: ${size} B; setup code->first change ${pair.codeToFirstChangeMs.toFixed(0)} ms`);
          await pingPong(floor, size, 50, 50);
          const r = await interleave(trials, {
            engine: () => withCpu(() => setObserveLatency(pair.docs, sets, 50), sets + 50),
            floor: () => withCpu(() => pingPong(floor, size, sets, 50), 2 * (sets + 50)),
          });
          const [s50, s99, sCpu] = specs(size);
          const e50 = median(r.engine.map((x) => p50(x.lat)));
          const f50 = median(r.floor.map((x) => p50(x.lat)));
          o.log(`p50 engine ${e50.toFixed(3)} ms vs floor ${f50.toFixed(3)} ms`);
          return [
            makeRow({ ...s50!, engine: e50, baseline: f50, note: `median of ${trials} trials x ${sets} sets` }),
            makeRow({ ...s99!, engine: median(r.engine.map((x) => p99(x.lat))), baseline: median(r.floor.map((x) => p99(x.lat))) }),
            makeRow({ ...sCpu!, engine: median(r.engine.map((x) => x.cpuUs)), baseline: median(r.floor.map((x) => x.cpuUs)) }),
          ];
        } finally {
          await pair.close();
        }
      },
      o.log,
    );
    if (rows[0]!.baseline === null) {
      // Engine missing: still report the floor, measured now (80 B, about one sealed set).
      const r = await interleave(trials, { floor: () => withCpu(() => pingPong(floor, 80, sets, 50), 2 * (sets + 50)) });
      const [s50, s99, sCpu] = specs(80);
      return [
        makeRow({ ...s50!, engine: null, baseline: median(r.floor.map((x) => p50(x.lat))), note: rows[0]!.note! }),
        makeRow({ ...s99!, engine: null, baseline: median(r.floor.map((x) => p99(x.lat))), note: rows[1]!.note! }),
        makeRow({ ...sCpu!, engine: null, baseline: median(r.floor.map((x) => x.cpuUs)), note: rows[2]!.note! }),
      ];
    }
    return rows;
  } finally {
    await floor.close();
  }
}
