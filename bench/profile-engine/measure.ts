/**
 * The engine's latency and throughput paths, side by side with their floors, in ONE process run
 * (bench/profile-engine is the runtime engineer's scratch driver; `npm run bench` is the real
 * harness). Interleaves trials of:
 *   - engine over werift (loopback only) and over the memory network: 1 set on A -> observe on
 *     B (p50), and a 10k-set burst (sets/s);
 *   - y-websocket (client + @y/websocket-server on 127.0.0.1): the same two workloads;
 *   - bare werift: RTT/2 of a 100 B message;
 *   - bulk: 256 sets of 16 KB values through the engine vs 256 bare 16 KB messages.
 *
 *   npx tsx bench/profile-engine/measure.ts [trials]
 *   npx tsx bench/profile-engine/measure.ts profile werift|memory latency|burst   # one workload
 *       under V8's CPU profiler (node --cpu-prof equivalent) -> bench/profile-engine/<name>.cpuprofile
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { createEnginePair, type EnginePair } from "../lib/engine-pair.js";
import { installLoopbackGuard } from "../lib/net-guard.js";
import { median, nowMs, p50 } from "../lib/stats.js";
import { blast, createWeriftPair, pingPong } from "../lib/werift-pair.js";
import { connectYwsPair, startYwsServer } from "../lib/ywebsocket.js";
import { binaryBurst, setBurst, setObserveLatency, type DocPair } from "../lib/yjs-drivers.js";

const LAT_SETS = 300;
const BURST = 10_000;
let tag = 0;

async function latency(d: DocPair): Promise<number> {
  return p50(await setObserveLatency(d, LAT_SETS, 30, `l${tag++}`));
}
async function burst(d: DocPair): Promise<number> {
  const b = await setBurst(d, BURST, `b${tag++}`);
  return b.sets / (b.ms / 1000);
}

async function profile(transport: "werift" | "memory", what: "latency" | "burst"): Promise<void> {
  const pair = await createEnginePair({ transport, aead: "node" });
  await latency(pair.docs);
  await burst(pair.docs);
  const s = new Session();
  s.connect();
  const post = (m: string, p: object = {}) => new Promise<unknown>((res, rej) => s.post(m, p, (e, r) => (e ? rej(e) : res(r))));
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: 100 });
  await post("Profiler.start");
  const t0 = nowMs();
  const c0 = process.cpuUsage();
  const results: number[] = [];
  for (let i = 0; i < 3; i++) results.push(what === "latency" ? await latency(pair.docs) : await burst(pair.docs));
  const wall = nowMs() - t0;
  const cpu = process.cpuUsage(c0);
  const { profile: prof } = (await post("Profiler.stop")) as { profile: unknown };
  writeFileSync(`bench/profile-engine/${transport}-${what}.cpuprofile`, JSON.stringify(prof));
  console.log(`${transport} ${what}: ${results.map((x) => x.toFixed(3)).join(", ")}; wall ${wall.toFixed(0)} ms, CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms`);
  await pair.close();
}

async function compare(trials: number): Promise<void> {
  const server = await startYwsServer();
  const yws = await connectYwsPair(server, "room-measure");
  const ew = await createEnginePair({ transport: "werift", aead: "node" });
  const em = await createEnginePair({ transport: "memory", aead: "node" });
  const bare = await createWeriftPair();
  const pairs: Record<string, DocPair> = { "engine/werift": ew.docs, "engine/memory": em.docs, "y-websocket": yws };
  const lat: Record<string, number[]> = {};
  const thr: Record<string, number[]> = {};
  const bareLat: number[] = [];
  // warm-up: untimed (cold SCTP association, JIT)
  for (const d of Object.values(pairs)) {
    await latency(d);
    await burst(d);
  }
  await pingPong(bare, 100, 200, 50);
  for (let t = 0; t < trials; t++) {
    for (const [k, d] of Object.entries(pairs)) {
      (lat[k] ??= []).push(await latency(d));
      (thr[k] ??= []).push(await burst(d));
    }
    bareLat.push(p50(await pingPong(bare, 100, LAT_SETS, 30)));
  }
  // bulk: 256 x 16 KB values through the engine vs 256 bare 16 KB messages (HWM 64 KiB)
  const bulkE: number[] = [];
  const bulkB: number[] = [];
  await binaryBurst(ew.docs, 32, 16384, `bw${tag++}`);
  await blast(bare, 16384, 64, 64 * 1024);
  for (let t = 0; t < trials; t++) {
    bulkE.push(await binaryBurst(ew.docs, 256, 16384, `bk${tag++}`));
    bulkB.push((256 * 16384) / 2 ** 20 / ((await blast(bare, 16384, 256, 64 * 1024)) / 1000));
  }
  console.log(`bulk 16 KB: engine ${median(bulkE).toFixed(2)} MiB/s vs bare werift ${median(bulkB).toFixed(2)} MiB/s (x${(median(bulkE) / median(bulkB)).toFixed(2)}) [${bulkE.map((x) => x.toFixed(1)).join(" ")}] [${bulkB.map((x) => x.toFixed(1)).join(" ")}]`);
  const yl = median(lat["y-websocket"]!);
  const yt = median(thr["y-websocket"]!);
  console.log(`bare werift RTT/2 100 B p50: ${median(bareLat).toFixed(3)} ms`);
  for (const k of Object.keys(pairs)) {
    const l = median(lat[k]!);
    const s = median(thr[k]!);
    console.log(`${k.padEnd(14)} latency p50 ${l.toFixed(3)} ms (x${(l / yl).toFixed(2)} of y-ws) [${lat[k]!.map((x) => x.toFixed(3)).join(" ")}]  burst ${s.toFixed(0)} sets/s (x${(s / yt).toFixed(2)} of y-ws) [${thr[k]!.map((x) => x.toFixed(0)).join(" ")}]`);
  }
  await Promise.all([ew.close(), em.close(), bare.close()]);
  yws.close();
  await server.close();
}

async function main(): Promise<void> {
  installLoopbackGuard();
  const [a, b, c] = process.argv.slice(2);
  if (a === "profile") return profile(b as "werift" | "memory", c as "latency" | "burst");
  return compare(Number(a ?? 3));
}

export type { EnginePair };
main().then(() => process.exit(0), (e: unknown) => {
  console.error(e);
  process.exit(1);
});
