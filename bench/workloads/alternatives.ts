/**
 * Workload 4 — what users would pick instead: y-websocket 3.1.0 with its current server package
 * (@y/websocket-server 0.1.1, its own server.js in a child process, HOST=127.0.0.1), two
 * WebsocketProvider clients in this process, unencrypted, loopback TCP. The engine runs the same
 * two workloads over werift (both peers in this process, node:crypto AEAD), interleaved:
 *  - latency: sequential sets, set on A -> observe on B; target p50 <= y-websocket's (ratio <= 1).
 *  - throughput: 10,000 distinct-key sets in one burst until B has the last; target >= 1.5x.
 * Fairness: y-websocket's server gets its own process (its CPU is not charged to the client
 * process); the engine's two peers share one process and one core's worth of event loop.
 */
import { createEnginePair } from "../lib/engine-pair.js";
import { interleave, median, p50, p99 } from "../lib/stats.js";
import { makeRow, type WorkloadRow } from "../lib/table.js";
import { setBurst, setObserveLatency, type DocPair } from "../lib/yjs-drivers.js";
import { connectYwsPair, startYwsServer } from "../lib/ywebsocket.js";
import { measured, type PendingSpec, type WorkloadOptions } from "../lib/workload.js";

const YWS = "y-websocket 3.1.0 (+@y/websocket-server 0.1.1)";

export async function run(o: WorkloadOptions): Promise<WorkloadRow[]> {
  const trials = o.quick ? 3 : 7;
  const sets = o.quick ? 300 : 1000;
  const burstTrials = o.quick ? 2 : 5;
  const burst = 10_000;
  const specs: PendingSpec[] = [
    { workload: 4, name: "update latency p50 vs y-websocket", unit: "ms", baseline: null, baselineName: YWS, target: 1.0, higherIsBetter: false },
    { workload: 4, name: "update latency p99 vs y-websocket", unit: "ms", baseline: null, baselineName: YWS, target: null, higherIsBetter: false },
    { workload: 4, name: `sync throughput, ${burst} sets burst vs y-websocket`, unit: "sets/s", baseline: null, baselineName: YWS, target: 1.5, higherIsBetter: true },
  ];
  const server = await startYwsServer();
  const yws = await connectYwsPair(server, `bench-${process.pid}`);
  let n = 0;
  const latency = (p: DocPair) => () => setObserveLatency(p, sets, 50, `t${n++}-`);
  const throughput = (p: DocPair) => async () => {
    const b = await setBurst(p, burst, `t${n++}`);
    return b.sets / (b.ms / 1000);
  };
  const ywsOnly = async (): Promise<WorkloadRow[]> => {
    const l = await interleave(trials, { yws: latency(yws) });
    const t = await interleave(burstTrials, { yws: throughput(yws) });
    return [median(l.yws.map(p50)), median(l.yws.map(p99)), median(t.yws)].map((b, i) => makeRow({ ...specs[i]!, engine: null, baseline: b }));
  };
  try {
    await setObserveLatency(yws, 50, 0, "warm");
    await setBurst(yws, 1000, "warm");
    const rows = await measured(
      specs,
      async () => {
        const pair = await createEnginePair({ transport: "werift", aead: "node" });
        try {
          await setObserveLatency(pair.docs, 50, 0, "warm");
          await setBurst(pair.docs, 1000, "warm");
          const cpu0 = server.cpuMs();
          const l = await interleave(trials, { engine: latency(pair.docs), yws: latency(yws) });
          const t = await interleave(burstTrials, { engine: throughput(pair.docs), yws: throughput(yws) });
          const serverCpu = server.cpuMs() - cpu0;
          o.log(`latency p50 engine ${median(l.engine.map(p50)).toFixed(3)} vs yws ${median(l.yws.map(p50)).toFixed(3)} ms; throughput ${median(t.engine).toFixed(0)} vs ${median(t.yws).toFixed(0)} sets/s; yws server CPU ${serverCpu.toFixed(0)} ms`);
          return [
            makeRow({ ...specs[0]!, engine: median(l.engine.map(p50)), baseline: median(l.yws.map(p50)), note: `median of ${trials} trials x ${sets} sets` }),
            makeRow({ ...specs[1]!, engine: median(l.engine.map(p99)), baseline: median(l.yws.map(p99)) }),
            makeRow({ ...specs[2]!, engine: median(t.engine), baseline: median(t.yws), note: `median of ${burstTrials} bursts` }),
          ];
        } finally {
          await pair.close();
        }
      },
      o.log,
    );
    if (rows[0]!.baseline === null) {
      const only = await ywsOnly();
      return only.map((r, i) => makeRow({ ...r, engine: null, note: rows[i]!.note! }));
    }
    return rows;
  } finally {
    yws.close();
    await server.close();
  }
}
