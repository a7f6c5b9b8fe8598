/**
 * End-to-end over werift on loopback (issue 5's closing numbers), `npx tsx bench/e2e-werift.ts [N]`:
 *  1. time from code entry (join() called) to the first synced change, median of N (default 20)
 *     fresh pairings: LAN signaling on 127.0.0.1 (in-process discovery, as `npm start`), SPAKE2,
 *     sealed SDP exchange, ICE + DTLS + SCTP, then one Y.Map change laptop -> phone;
 *  2. in the same run: raw werift data-channel throughput (16 KiB messages, 64 KiB high-water
 *     mark; bench/lib/werift-pair.ts, no engine code) vs the engine's sealed throughput (16 KiB
 *     Y.Map values laptop -> phone over weriftTransport: y-protocols, coalescing, AES-256-GCM
 *     frames, back-pressure), both as payload MiB/s.
 * Every packet goes to 127.0.0.1; no STUN/DNS (the adapter pins werift's fallback off).
 */
import { createSyncEngine, type SyncEngine } from "../src/runtime/index.js";
import { nodeAead } from "../src/adapters/crypto/node.js";
import { weriftTransport } from "../src/adapters/transport/werift/index.js";
import { lanSignaling } from "../src/adapters/discovery/mdns/index.js";
import { inProcessDiscovery } from "../src/cli/demo.js";
import { createWeriftPair, blast } from "./lib/werift-pair.js";
import { median, percentile, nowMs } from "./lib/stats.js";

const N = Number(process.argv[2] ?? 20);
const SIZE = 16 * 1024;
const COUNT = 256; // 4 MiB per throughput run
const MiB = 1024 * 1024;

function pair() {
  const discovery = inProcessDiscovery();
  const mk = (name: string) =>
    createSyncEngine({
      signaling: lanSignaling({ discovery, interface: "127.0.0.1" }),
      transport: weriftTransport({ loopbackOnly: true }),
      aead: nodeAead,
      deviceName: name,
    });
  return { a: mk("laptop"), b: mk("phone"), discovery };
}

const seen = (e: SyncEngine, map: string, pred: (size: number) => boolean) =>
  new Promise<void>((resolve) => {
    const m = e.doc.getMap(map);
    if (pred(m.size)) return resolve();
    const f = () => {
      if (!pred(m.size)) return;
      m.unobserve(f);
      resolve();
    };
    m.observe(f);
  });

async function codeEntryToFirstChange(): Promise<number> {
  const { a, b, discovery } = pair();
  const { code } = await a.host();
  const t0 = nowMs();
  const joined = b.join(code);
  a.doc.getMap("prefs").set("theme", "dark");
  await seen(b, "prefs", (n) => n > 0);
  const ms = nowMs() - t0;
  await joined;
  await a.end();
  await b.end();
  await discovery.close();
  return ms;
}

async function engineThroughput(): Promise<number> {
  const { a, b, discovery } = pair();
  const { code } = await a.host();
  await b.join(code);
  const payload = new Uint8Array(SIZE).fill(9);
  const m = a.doc.getMap("blobs");
  const done = seen(b, "blobs", (n) => n === COUNT);
  const t0 = nowMs();
  for (let i = 0; i < COUNT; i++) {
    m.set(`k${i}`, payload);
    if (i % 16 === 15) await new Promise<void>((r) => setImmediate(r)); // an app does not set 4 MiB in one tick
  }
  await done;
  const ms = nowMs() - t0;
  await a.end();
  await b.end();
  await discovery.close();
  return (SIZE * COUNT) / MiB / (ms / 1000);
}

async function rawThroughput(): Promise<number> {
  const p = await createWeriftPair();
  const ms = await blast(p, SIZE, COUNT, 64 * 1024);
  await p.close();
  return (SIZE * COUNT) / MiB / (ms / 1000);
}

const times: number[] = [];
for (let i = 0; i < N; i++) times.push(await codeEntryToFirstChange());
console.log(`code entry -> first synced change over werift (loopback, LAN signaling), n=${N}: median ${median(times).toFixed(0)} ms, p90 ${percentile(times, 0.9).toFixed(0)} ms, min ${Math.min(...times).toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms`);

const raw: number[] = [];
const sealed: number[] = [];
for (let i = 0; i < 3; i++) {
  raw.push(await rawThroughput());
  sealed.push(await engineThroughput());
}
const r = median(raw);
const s = median(sealed);
console.log(`throughput, 16 KiB payloads x ${COUNT} (4 MiB), median of 3 interleaved runs: raw werift ${r.toFixed(1)} MiB/s, engine sealed ${s.toFixed(1)} MiB/s (${((s / r) * 100).toFixed(0)}% of raw)`);
process.exit(0);
