/**
 * Measurements for the closing note (run: `npx tsx test/adapters/transport/werift/bench.ts [runs]`; not a test):
 *  1. time from code entry (`join(code)`) to the first synced change over werift on loopback,
 *     median of N pairings (memory signaling carries the sealed signals);
 *  2. raw werift data-channel throughput (16 KB messages, HWM-paced) vs the engine's sealed
 *     sync throughput (10k single-key sets burst, until the peer observes the last) on the same run.
 * The net guard runs throughout and the script fails if anything leaves loopback or a name is looked up.
 */
import { firstValueFrom } from "rxjs";
import { nodeAead } from "../../../../src/adapters/crypto/node.js";
import { weriftTransport } from "../../../../src/adapters/transport/werift/index.js";
import { installNetGuard } from "./net-guard.js";
import { pipePair } from "./pipes.js";
import { seen, weriftEnginePair } from "../../../helpers/werift-engines.js";
import type { Aead } from "../../../../src/adapters/crypto/index.js";

const guard = installNetGuard();
const runs = Number(process.argv[2] ?? 20);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pairEngines = (seed: string, aead?: Aead) => weriftEnginePair(aead ? { seed, aead } : { seed });

// 1. code entry -> first synced change
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const { a, b } = pairEngines(`bench-${i}`);
  const { code } = await a.host();
  a.doc.getMap("prefs").set("theme", "dark");
  const t0 = performance.now();
  await b.join(code);
  await seen(b, "theme", "dark");
  times.push(performance.now() - t0);
  await a.end();
  await b.end();
}
console.log(`code entry -> first synced change over werift (loopback, one process): median ${median(times).toFixed(0)} ms of ${runs} (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)})`);

// 2a. raw werift throughput
{
  const ta = weriftTransport({ loopbackOnly: true })();
  const tb = weriftTransport({ loopbackOnly: true })();
  const p = pipePair();
  const [a, b] = await Promise.all([ta.connect({ role: "offerer", signals: p.a }), tb.connect({ role: "answerer", signals: p.b })]);
  const size = 16 * 1024;
  const count = 512;
  for (const label of ["warm-up", "timed"]) {
    let n = 0;
    const done = new Promise<void>((r) => {
      const sub = b.messages$.subscribe(() => {
        if (++n === count) {
          sub.unsubscribe();
          r();
        }
      });
    });
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      if (a.bufferedAmount > a.highWaterMark) await firstValueFrom(a.drained$);
      a.send(new Uint8Array(size));
    }
    await done;
    const s = (performance.now() - t0) / 1000;
    if (label === "timed") console.log(`raw werift 16 KB: ${((count * size) / 1048576 / s).toFixed(1)} MiB/s`);
  }
  a.close();
  await Promise.all([ta.close(), tb.close()]);
}

// 2b. engine sealed sync throughput (10k sets), noble (default) and node:crypto AEAD
for (const [label, aead] of [["noble GCM", undefined], ["node:crypto GCM", nodeAead]] as const) {
  const { a, b } = pairEngines(`tp-${label}`, aead);
  const { code } = await a.host();
  await b.join(code);
  a.doc.getMap("prefs").set("warm", 1);
  await seen(b, "warm", 1);
  const N = 10_000;
  const t0 = performance.now();
  const m = a.doc.getMap("prefs");
  for (let i = 0; i < N; i++) m.set(`k${i}`, `v${i}`);
  await seen(b, `k${N - 1}`, `v${N - 1}`);
  const s = (performance.now() - t0) / 1000;
  const bytes = (b.snapshot().counters as Record<string, number>)["bytes.in"];
  console.log(`engine sealed sync (${label}): ${(N / s).toFixed(0)} sets/s, ${(s * 1000).toFixed(0)} ms for ${N} sets${bytes ? `, ${bytes} bytes in` : ""}`);
  await a.end();
  await b.end();
}

guard.uninstall();
const off = [...guard.datagrams.keys()].filter((k) => k !== "127.0.0.1");
console.log(`net guard: ${[...guard.datagrams.values()].reduce((x, y) => x + y, 0)} datagrams, off-loopback destinations ${JSON.stringify(off)}, name lookups ${JSON.stringify(guard.lookups)}`);
if (off.length > 0 || guard.lookups.length > 0) process.exit(1);
