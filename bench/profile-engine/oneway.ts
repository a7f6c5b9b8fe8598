/**
 * Bare werift, one direction only: send on A, wait until B has it (in-process), repeat —
 * the shape of the engine's latency workload (no reply message to carry the SACK). Counts UDP
 * datagrams per message, by size.  npx tsx bench/profile-engine/oneway.ts
 */
import dgram from "node:dgram";
import { installLoopbackGuard } from "../lib/net-guard.js";
import { median, nowMs } from "../lib/stats.js";
import { createWeriftPair } from "../lib/werift-pair.js";

installLoopbackGuard();
let datagrams = 0;
const orig = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function (this: dgram.Socket, ...args: unknown[]) {
  datagrams++;
  return (orig as (...a: unknown[]) => void).apply(this, args);
} as typeof orig;

const pair = await createWeriftPair();
for (const size of [70, 200, 600, 1000, 1200, 70, 1000]) {
  const msg = Buffer.alloc(size, 1);
  let wake: (() => void) | undefined;
  const sub = pair.b.onMessage.subscribe(() => wake?.());
  const lat: number[] = [];
  const d0 = datagrams;
  const c0 = process.cpuUsage();
  const n = 400;
  for (let i = 0; i < n; i++) {
    const t = nowMs();
    await new Promise<void>((r) => {
      wake = r;
      pair.a.send(msg);
    });
    lat.push(nowMs() - t);
  }
  sub.unSubscribe();
  const cpu = process.cpuUsage(c0);
  console.log(`${size} B one-way: CPU/msg ${((cpu.user + cpu.system) / n).toFixed(0)} µs, p50 ${median(lat).toFixed(3)} ms, datagrams/msg ${((datagrams - d0) / n).toFixed(2)}`);
}
await pair.close();
process.exit(0);
