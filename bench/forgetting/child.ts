/**
 * One trial of bench/forgetting/run.ts, in its own process: whole sessions on the memory network
 * (pair, edits with 1 KiB strings, end), timed; with `--cleared`, V8 zeroes freed memory first
 * (`clearFreedMemory`). Prints one JSON line: { ms, sessions, edits, gcs }.
 */
import { PerformanceObserver } from "node:perf_hooks";
import { clearFreedMemory } from "../../src/adapters/crypto/node.js";
import { nodeAead, nodeX25519 } from "../../src/adapters/crypto/node.js";
import { createEnginePair } from "../../src/testing/index.js";

const cleared = process.argv.includes("--cleared");
const SESSIONS = Number(process.env["SESSIONS"] ?? 12);
const EDITS = Number(process.env["EDITS"] ?? 300);

if (cleared) clearFreedMemory();
let gcs = 0;
new PerformanceObserver((list) => (gcs += list.getEntries().length)).observe({ entryTypes: ["gc"] });

const text = (i: number) => `${i}:`.padEnd(1024, String.fromCharCode(97 + (i % 26)));
const t0 = performance.now();
for (let s = 0; s < SESSIONS; s++) {
  const p = createEnginePair({ seed: `bench-${s}`, aead: nodeAead, engineOptions: { keyAgreement: nodeX25519 } });
  await p.pair();
  const map = p.a.doc.getMap("m");
  for (let i = 0; i < EDITS; i++) {
    map.set(`k${i % 50}`, text(i));
    if (i % 20 === 19) await p.settle();
  }
  await p.settle();
  await p.b.end();
  await p.settle();
}
const ms = performance.now() - t0;
process.stdout.write(`${JSON.stringify({ ms, sessions: SESSIONS, edits: SESSIONS * EDITS, gcs })}\n`);
