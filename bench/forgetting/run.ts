/**
 * What `clearFreedMemory()` (V8 --clear-free-memory) costs: `npm run bench:forgetting`.
 *
 * Trials alternate between a plain child process and one that zeroes freed memory, each running
 * the same whole sessions (bench/forgetting/child.ts); the table gives the median wall time of
 * each and their ratio, measured in the same run (the machine is shared and noisy). What the
 * option buys is measured by test/forgetting (docs/threat-model.md).
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { median } from "../lib/stats.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const TRIALS = Number(process.env["TRIALS"] ?? 5);

interface Trial {
  ms: number;
  sessions: number;
  edits: number;
  gcs: number;
}

function trial(cleared: boolean): Promise<Trial> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--import", "tsx", path.join(here, "child.ts"), ...(cleared ? ["--cleared"] : [])], { cwd: path.join(here, "../.."), timeout: 300_000 }, (err, stdout) => {
      if (err) return reject(err);
      resolve(JSON.parse(stdout.trim().split("\n").at(-1)!) as Trial);
    });
  });
}

const plain: Trial[] = [];
const cleared: Trial[] = [];
for (let i = 0; i < TRIALS; i++) {
  // Interleaved, and the order flips each round, so drift on the machine hits both alike.
  if (i % 2 === 0) {
    plain.push(await trial(false));
    cleared.push(await trial(true));
  } else {
    cleared.push(await trial(true));
    plain.push(await trial(false));
  }
}
const p = median(plain.map((t) => t.ms));
const c = median(cleared.map((t) => t.ms));
const first = plain[0]!;
console.log(`| whole sessions (${first.sessions} sessions, ${first.edits} edits of 1 KiB, memory network), ${TRIALS} trials each | median ms | GCs (median) |`);
console.log("|---|---|---|");
console.log(`| default | ${p.toFixed(0)} | ${median(plain.map((t) => t.gcs))} |`);
console.log(`| clearFreedMemory() | ${c.toFixed(0)} | ${median(cleared.map((t) => t.gcs))} |`);
console.log(`| ratio (cleared / default) | ${(c / p).toFixed(3)} | |`);
