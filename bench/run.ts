/**
 * The benchmark harness: `npx tsx bench/run.ts [--quick] [--only=1,4] [--repeat=N] [--check] [--cpu-prof] [--out=FILE]`
 * (`npm run bench`, `npm run bench -- --quick`).
 *
 * Runs workloads 1–6 of issue 8, each in its own child process (bench/lib/child-entry.ts, with
 * the loopback guard installed first), reads workload 7 from bench/relay-results.json, prints
 * one markdown table and writes bench/results.json (`mode` says quick or full; the full run's
 * table is kept in docs/performance.md). Every engine figure sits beside a baseline
 * measured in the same run, trials interleaved; see docs/performance.md for the method.
 *
 * `--repeat=N` runs workloads 1–6 N times over (each time in fresh children, one pass through
 * all of them before the next, so a slow minute on the machine falls on every workload rather
 * than on all the runs of one) and reports each row's median over the runs: the ratio is the
 * median of the runs' same-run ratios, and the note gives their spread (`combineRuns`).
 *
 * Exit code: 0 whenever the harness ran, whatever the targets say (the machine is noisy; the
 * table reports misses). With --check: 1 if a baseline could not be measured or a workload
 * failed or timed out (a missing engine piece is reported, not failed).
 */
import { fork } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cpuPressureLabel, machineInfo } from "./lib/machine.js";
import type { GuardStats } from "./lib/net-guard.js";
import { FRAME_ROWS } from "./workloads/frames.js";
import { buildResults, combineRuns, failedRow, formatTable, harnessProblems, type WorkloadRow } from "./lib/table.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, "..");

interface WorkloadEntry {
  readonly n: number;
  readonly module: string;
  readonly title: string;
  readonly gc?: boolean;
  readonly quickTimeoutS: number;
  readonly fullTimeoutS: number;
  /**
   * Run once per part, each in a fresh child (the timeouts are per part): rows measured after
   * other rows in one process inherit the heap those grew (see bench/workloads/frames.ts).
   */
  readonly parts?: readonly string[];
}

export const WORKLOADS: readonly WorkloadEntry[] = [
  { n: 1, module: "frames", title: "sealed frames vs raw AEAD", quickTimeoutS: 60, fullTimeoutS: 300, parts: FRAME_ROWS },
  { n: 2, module: "latency", title: "update latency over werift", quickTimeoutS: 60, fullTimeoutS: 300 },
  { n: 3, module: "throughput", title: "throughput over werift", quickTimeoutS: 90, fullTimeoutS: 600 },
  { n: 4, module: "alternatives", title: "y-websocket, what users would pick instead", quickTimeoutS: 90, fullTimeoutS: 600 },
  { n: 5, module: "pairing", title: "pairing", quickTimeoutS: 60, fullTimeoutS: 300 },
  { n: 6, module: "memory", title: "memory", gc: true, quickTimeoutS: 90, fullTimeoutS: 300 },
  { n: 7, module: "relay", title: "relay (from bench:relay)", quickTimeoutS: 20, fullTimeoutS: 20 },
];

interface ChildResult {
  rows: WorkloadRow[];
  guard?: GuardStats;
}

function runChild(w: WorkloadEntry, quick: boolean, cpuProf: boolean, part?: string): Promise<ChildResult> {
  const execArgv = ["--import", "tsx"];
  if (w.gc) execArgv.push("--expose-gc");
  if (cpuProf) {
    const dir = path.join(here, "profiles");
    mkdirSync(dir, { recursive: true });
    execArgv.push("--cpu-prof", `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${w.module}-${Date.now()}.cpuprofile`);
  }
  const timeoutS = quick ? w.quickTimeoutS : w.fullTimeoutS;
  const fail = (why: string): ChildResult => ({
    rows: [failedRow({ workload: w.n, name: w.title, unit: "", baseline: null, baselineName: "", target: null, higherIsBetter: true }, why)],
  });
  return new Promise((resolve) => {
    const child = fork(path.join(here, "lib", "child-entry.ts"), [w.module, ...(quick ? ["--quick"] : []), ...(part === undefined ? [] : [`--part=${part}`])], {
      cwd: root,
      execArgv,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let result: ChildResult | undefined;
    const timer = setTimeout(() => {
      result ??= fail(`timed out after ${timeoutS} s`);
      child.kill("SIGKILL");
    }, timeoutS * 1000);
    child.on("message", (m) => {
      result ??= m as ChildResult;
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve(result ?? fail(`child exited (${signal ?? code}) without results`));
    });
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes("--quick");
  const check = args.includes("--check");
  const cpuProf = args.includes("--cpu-prof");
  const only = args.find((a) => a.startsWith("--only="))?.slice(7).split(",").map(Number);
  const out = args.find((a) => a.startsWith("--out="))?.slice(6) ?? path.join(here, "results.json");
  const repeatArg = args.find((a) => a.startsWith("--repeat="))?.slice(9);
  const repeat = repeatArg === undefined ? 1 : Number(repeatArg);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 50) throw new RangeError(`--repeat must be an integer from 1 to 50, got ${repeatArg}`);
  const t0 = Date.now();
  const machine = machineInfo();
  process.stderr.write(`lethe bench (${quick ? "quick" : "full"}) on ${machine.cpuModel} x${machine.cores}, node ${machine.node}, load ${machine.loadAverage.join(" ")}, CPU pressure ${cpuPressureLabel(machine.cpuPressure)}\n`);

  const runs: WorkloadRow[][] = [];
  const network: Record<string, unknown> = {};
  for (let run = 0; run < repeat; run++) {
    const rows: WorkloadRow[] = [];
    for (const w of WORKLOADS) {
      if (only && !only.includes(w.n)) continue;
      // Workload 7 reads a results file: the same rows every time.
      if (run > 0 && w.n === 7) continue;
      const started = Date.now();
      process.stderr.write(`workload ${w.n}${repeat > 1 ? ` (run ${run + 1} of ${repeat})` : ""}: ${w.title} …\n`);
      for (const part of w.parts ?? [undefined]) {
        const r = await runChild(w, quick, cpuProf, part);
        rows.push(...r.rows);
        if (r.guard) {
          const key = `workload${w.n}${part === undefined ? "" : `:${part}`}${run > 0 ? `#${run + 1}` : ""}`;
          network[key] = { ...r.guard, blockedWhat: r.guard.blockedWhat };
        }
      }
      process.stderr.write(`workload ${w.n}: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    }
    runs.push(rows);
  }
  const rows = repeat === 1 ? runs[0]! : combineRuns(runs);
  const durationS = Math.round((Date.now() - t0) / 100) / 10;
  const results = buildResults(machine, quick ? "quick" : "full", durationS, rows, network, repeat);
  writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
  const blocked = Object.values(network).reduce<number>((s, g) => s + ((g as GuardStats).blocked ?? 0), 0);
  process.stdout.write(`\n${formatTable(results.workloads)}\n\n`);
  process.stdout.write(
    `machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}; ${results.mode} run${repeat > 1 ? ` x${repeat}` : ""} ${durationS} s; ` +
      `CPU pressure at the start ${cpuPressureLabel(machine.cpuPressure)}, at the end ${cpuPressureLabel()}; ` +
      `non-loopback attempts blocked: ${blocked}; written to ${path.relative(process.cwd(), out)}\n`,
  );
  if (check) {
    const bad = harnessProblems(results.workloads);
    if (bad.length > 0 || blocked > 0) {
      process.stderr.write(`--check: ${bad.length} row(s) without a measured baseline or failed; ${blocked} blocked network attempts\n`);
      process.exitCode = 1;
    }
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench harness error: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 2;
});
