/**
 * The engine's latency workload over werift with UDP datagrams and frames counted per set.
 *   npx tsx bench/profile-engine/engine-oneway.ts
 */
import dgram from "node:dgram";
import { createEnginePair } from "../lib/engine-pair.js";
import { installLoopbackGuard } from "../lib/net-guard.js";
import { median } from "../lib/stats.js";
import { setObserveLatency } from "../lib/yjs-drivers.js";

installLoopbackGuard();
let datagrams = 0;
const sizes = new Map<number, number>();
const orig = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function (this: dgram.Socket, ...args: unknown[]) {
  datagrams++;
  const b = args[0] as Buffer;
  const len = Buffer.isBuffer(b) ? b.length : -1;
  sizes.set(len, (sizes.get(len) ?? 0) + 1);
  return (orig as (...a: unknown[]) => void).apply(this, args);
} as typeof orig;

const pair = await createEnginePair({ transport: "werift", aead: "node" });
await setObserveLatency(pair.docs, 200, 30, "w");
for (let r = 0; r < 3; r++) {
  const d0 = datagrams;
  const f0 = pair.wireA.frames;
  sizes.clear();
  const c0 = process.cpuUsage();
  const lat = await setObserveLatency(pair.docs, 400, 0, `r${r}`);
  const cpu = process.cpuUsage(c0);
  console.log(`CPU/set ${((cpu.user + cpu.system) / 400).toFixed(0)} µs, p50 ${median(lat).toFixed(3)} ms, datagrams/set ${((datagrams - d0) / 400).toFixed(2)}, A frames/set ${((pair.wireA.frames - f0) / 400).toFixed(2)}, sizes ${[...sizes].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([s, n]) => `${s}:${n}`).join(" ")}`);
}
await pair.close();
process.exit(0);
