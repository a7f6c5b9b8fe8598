/**
 * The relay's work per pairing in instructions, for changes too small for CPU time to resolve:
 * `npm run bench:relay-instructions [-- --runs N] [--relay-entry FILE] [--out FILE]`.
 *
 * CPU time per pairing moves ±0.1 in its ratio to the floor from one run to the next on this
 * machine (docs/performance.md, "The relay"), so a 3% change cannot be seen there. This counts
 * instructions instead, with valgrind's callgrind (`apt-get install valgrind`; not needed by the
 * tests): the floor (bench/relay-floor.ts) and the relay (bench/relay-server.ts, or another
 * checkout's with `--relay-entry`) are bundled as `lethe relay` ships (bench/lib/server-bundles.ts) and
 * run under `valgrind --tool=callgrind --separate-threads=yes`; the closed loop of
 * bench/relay-load.ts warms each up (3,000 pairings at C = 10), the counters are zeroed
 * (`callgrind_control -z`), 1,000 pairings are counted and dumped (`callgrind_control -d`).
 * Reported per pairing: the main thread's instructions and all threads' (the collector's helpers
 * and V8's optimizing compiler run on their own threads; how much of the compiler's work lands in
 * a window is luck under valgrind's slow clock, so the main thread is the steadier figure).
 * The floor repeats to under 1%; the relay to a few percent (GC events fall in a window by chance):
 * run each side 2–4 times (`--runs`). The floor and the relay of one run are counted side by side
 * (two valgrinds at once, ~2.5 min a run on this 2-vCPU machine). Not counted: kernel time and
 * cache misses, which is why the relay's ratio to the floor in instructions (1.08–1.10 on the main
 * thread) is below its ratio in CPU time (~1.15–1.25).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { closedLoopSamples } from "./relay-load.js";
import { spawnListening } from "./relay-procs.js";
import { option } from "./lib/args.js";
import { serverBundle } from "./lib/server-bundles.js";
import { median } from "./lib/stats.js";

const RUNS = Number(option("--runs") ?? 2);
const WARM = Number(option("--warm") ?? 3000);
const COUNTED = Number(option("--pairings") ?? 1000);
const SLOTS = Number(option("--slots") ?? 10);
const here = path.dirname(fileURLToPath(import.meta.url));
const RELAY_ENTRY = path.resolve(option("--relay-entry") ?? path.join(here, "relay-server.ts"));
const OUT = path.resolve(option("--out") ?? path.join(here, "relay-instructions.json"));

interface Count {
  readonly mainThread: number;
  readonly allThreads: number;
}

function requireTool(tool: string): void {
  try {
    execFileSync(tool, ["--version"], { stdio: "ignore" });
  } catch {
    process.stderr.write(`bench:relay-instructions needs ${tool} (Debian: apt-get install valgrind)\n`);
    process.exit(2);
  }
}

/** Instructions per counted pairing of one server run under callgrind. */
async function count(bundled: string, serverArgs: string[]): Promise<Count> {
  const dir = mkdtempSync(path.join(tmpdir(), "lethe-callgrind-"));
  try {
    const server = await spawnListening(bundled, serverArgs, [], ["valgrind", "--tool=callgrind", "--separate-threads=yes", "--dump-instr=no", `--callgrind-out-file=${dir}/cg.%p`]);
    const { url, pid } = server;
    const loop = async (n: number) => {
      const s = await closedLoopSamples(url, url, SLOTS, n, 1024, 1_800_000);
      if (s.failed > 0) throw new Error(`${s.failed} pairings failed: ${s.firstError}`);
    };
    await loop(WARM);
    execFileSync("callgrind_control", ["-z", String(pid)], { stdio: "ignore" });
    await loop(COUNTED);
    execFileSync("callgrind_control", ["-d", "counted", String(pid)], { stdio: "ignore" });
    await server.stop();
    // The dump is one file per thread, `cg.<pid>.1-<thread>`; thread 01 is the main thread.
    let mainThread = 0;
    let allThreads = 0;
    for (const f of readdirSync(dir).filter((x) => /\.\d+\.1-\d+$/.test(x))) {
      const m = /^summary:\s+(\d+)/m.exec(readFileSync(path.join(dir, f), "utf8"));
      if (!m) continue;
      allThreads += Number(m[1]);
      if (f.endsWith("-01")) mainThread += Number(m[1]);
    }
    if (mainThread === 0) throw new Error(`no callgrind dump for ${bundled}`);
    return { mainThread: mainThread / COUNTED, allThreads: allThreads / COUNTED };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const millions = (n: number) => (n / 1e6).toFixed(3);

async function main(): Promise<void> {
  requireTool("valgrind");
  requireTool("callgrind_control");
  const floor = await serverBundle(path.join(here, "relay-floor.ts"), "relay-floor");
  const relay = await serverBundle(RELAY_ENTRY, "relay-server");
  const runs: { floor: Count; relay: Count }[] = [];
  for (let i = 0; i < RUNS; i++) {
    process.stderr.write(`run ${i + 1}/${RUNS}: floor and relay under callgrind …\n`);
    const [f, r] = await Promise.all([count(floor, []), count(relay, ["--port", "0"])]);
    process.stderr.write(`  floor ${millions(f.mainThread)} M main / ${millions(f.allThreads)} M all; relay ${millions(r.mainThread)} M / ${millions(r.allThreads)} M\n`);
    runs.push({ floor: f, relay: r });
  }
  const med = (pick: (x: { floor: Count; relay: Count }) => number) => median(runs.map(pick));
  const fm = med((x) => x.floor.mainThread);
  const fa = med((x) => x.floor.allThreads);
  const rm = med((x) => x.relay.mainThread);
  const ra = med((x) => x.relay.allThreads);
  const list = (pick: (x: { floor: Count; relay: Count }) => number) => runs.map((x) => millions(pick(x))).join(" / ");
  process.stdout.write(
    [
      `relay instructions per pairing (callgrind, C = ${SLOTS}, ${WARM} warm-up + ${COUNTED} counted pairings, ${RUNS} runs, relay ${path.relative(process.cwd(), RELAY_ENTRY)} bundled as lethe relay ships)`,
      `| server | main thread, M (runs) | all threads, M (runs) |`,
      `|---|---|---|`,
      `| floor (bare ws) | ${millions(fm)} (${list((x) => x.floor.mainThread)}) | ${millions(fa)} (${list((x) => x.floor.allThreads)}) |`,
      `| relay, memory | ${millions(rm)} (${list((x) => x.relay.mainThread)}) | ${millions(ra)} (${list((x) => x.relay.allThreads)}) |`,
      `| relay ÷ floor (medians) | ${(rm / fm).toFixed(3)} | ${(ra / fa).toFixed(3)} |`,
      "",
    ].join("\n"),
  );
  writeFileSync(OUT, JSON.stringify({ date: new Date().toISOString(), node: process.version, slots: SLOTS, warm: WARM, counted: COUNTED, relayEntry: path.relative(here, RELAY_ENTRY), runs }, null, 2) + "\n");
  process.stdout.write(`wrote ${OUT}\n`);
}

await main();
