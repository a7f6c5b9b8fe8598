/**
 * Paired rounds: `npm run bench:relay-ab [-- --entries A[:sources],B] [--c 1,10,100] [--rounds 10] [--pairings 2000] [--out FILE]`.
 *
 * For a before/after of a relay change, where one `bench:relay` run's ratio to the floor moves
 * ±0.15 with the machine: the floor and one or more relays (each `--entries` item a script that
 * starts a relay, e.g. another checkout's bench/relay-server.ts; default this checkout's), all
 * bundled as `lethe relay` ships (bench/lib/server-bundles.ts) — an entry written `FILE:sources`
 * runs from its sources under tsx instead, module by module, as the relay ran before it shipped
 * as a bundle — run side by side in child
 * processes; at each C they take turns for R rounds (order reversed every other round) of N
 * pairings of the closed loop (bench/relay-load.ts). Each round's CPU (every thread's, from
 * `/proc/<pid>/task/*` schedstat, in ns) is divided by the floor's in the same round; reported
 * per server: the median µs per pairing, the median of its per-round ratios to the floor, every
 * round's ratio, and for each relay after the first, in how many rounds it cost less than the first.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { closedLoopSamples } from "./relay-load.js";
import { cpuMicrosAllThreads, spawnListening, type Child } from "./relay-procs.js";
import { option } from "./lib/args.js";
import { serverBundle } from "./lib/server-bundles.js";
import { median } from "./lib/stats.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const ENTRIES = (option("--entries") ?? path.join(here, "relay-server.ts")).split(",").map((e) => {
  const sources = e.endsWith(":sources");
  return { file: path.resolve(sources ? e.slice(0, -":sources".length) : e), sources };
});
const SLOTS = (option("--c") ?? "1,10,100").split(",").map(Number);
const ROUNDS = Number(option("--rounds") ?? 10);
const PAIRINGS = Number(option("--pairings") ?? 2000);
const OUT = option("--out");
if (SLOTS.some((c) => !Number.isInteger(c) || c < 1 || c > 1000)) throw new RangeError(`--c must list integers in 1..1000, got ${option("--c")}`);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || !Number.isInteger(PAIRINGS) || PAIRINGS < 10) throw new RangeError("--rounds ≥ 1 and --pairings ≥ 10, integers");

interface Server {
  readonly name: string;
  readonly child: Child;
}

async function main(): Promise<void> {
  const servers: Server[] = [{ name: "floor", child: await spawnListening(await serverBundle(path.join(here, "relay-floor.ts"), "ab-floor"), []) }];
  try {
    for (const [i, entry] of ENTRIES.entries()) {
      const run = entry.sources ? entry.file : await serverBundle(entry.file, `ab-relay-${i}`);
      const label = `${path.relative(process.cwd(), entry.file)}${entry.sources ? ", from its sources" : ""}`;
      servers.push({ name: ENTRIES.length > 1 ? `relay ${i + 1} (${label})` : "relay", child: await spawnListening(run, ["--port", "0"]) });
    }
    const round = async (s: Server, slots: number, n: number): Promise<number> => {
      const before = cpuMicrosAllThreads(s.child.pid);
      const r = await closedLoopSamples(s.child.url, s.child.url, slots, n, 1024, 300_000);
      if (r.failed > 0) throw new Error(`${s.name}: ${r.failed} pairings failed: ${r.firstError}`);
      return (cpuMicrosAllThreads(s.child.pid) - before) / n;
    };
    for (const s of servers) await round(s, 10, 3000); // warm-up: the JIT and the heap at working size
    const results: { c: number; server: string; microsPerPairing: number[]; ratioToFloor: number[] }[] = [];
    const lines: string[] = [];
    for (const c of SLOTS) {
      const per = new Map<Server, number[]>(servers.map((s) => [s, []]));
      for (let r = 0; r < ROUNDS; r++) {
        process.stderr.write(`C=${c}, round ${r + 1}/${ROUNDS}\n`);
        for (const s of r % 2 === 0 ? servers : [...servers].reverse()) per.get(s)!.push(await round(s, c, PAIRINGS));
      }
      const floor = per.get(servers[0]!)!;
      const first = per.get(servers[1]!)!;
      lines.push(`| ${c} | floor | ${median(floor).toFixed(0)} | 1 | – | – |`);
      for (const s of servers.slice(1)) {
        const mine = per.get(s)!;
        const ratios = mine.map((x, i) => x / floor[i]!);
        const lower = s === servers[1] ? "–" : `${mine.filter((x, i) => x < first[i]!).length} of ${ROUNDS}`;
        lines.push(`| ${c} | ${s.name} | ${median(mine).toFixed(0)} | **${median(ratios).toFixed(3)}** | ${ratios.map((x) => x.toFixed(2)).join(" ")} | ${lower} |`);
        results.push({ c, server: s.name, microsPerPairing: mine, ratioToFloor: ratios });
      }
      results.push({ c, server: "floor", microsPerPairing: floor, ratioToFloor: floor.map(() => 1) });
    }
    process.stdout.write(
      [
        `relay paired rounds: ${ROUNDS} rounds of ${PAIRINGS} pairings per server and C, servers bundled as lethe relay ships unless marked, CPU of all threads`,
        `| C | server | µs/pairing (median) | ÷ floor (median of rounds) | ÷ floor, each round | rounds cheaper than relay 1 |`,
        `|---|---|---|---|---|---|`,
        ...lines,
        "",
      ].join("\n"),
    );
    if (OUT) writeFileSync(OUT, JSON.stringify({ date: new Date().toISOString(), node: process.version, entries: ENTRIES, rounds: ROUNDS, pairings: PAIRINGS, results }, null, 2) + "\n");
  } finally {
    await Promise.all(servers.map((s) => s.child.stop()));
  }
}

await main();
