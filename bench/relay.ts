/**
 * Relay benchmark: `npm run bench:relay [-- --quick] [--repeat N] [--relay-entry FILE] [--out FILE] [--no-redis] [--sustained S]`.
 *
 * The method magic-wormhole's mailbox server was measured with (bench/relay-load.ts): a closed
 * loop of C slots, N pairings per run, at C = 1, 10, 100, 500; every pairing two fresh
 * connections from their own loopback addresses, host/join, one blob each way, close.
 * Servers run in child processes, each bundled as `lethe relay` ships (scripts/bundle-relay.ts,
 * bench/lib/server-bundles.ts) and run by plain node: CPU per pairing is read from each server's /proc/<pid>/stat
 * over the run, RSS from /proc/<pid>/status. In the same run, at each C, the same load runs
 * against a bare `ws` forwarder (bench/relay-floor.ts): the floor the relay's CPU is divided by.
 * At each C the scenarios take turns in rounds (`RELAY_BENCH_ROUNDS`, default 4, each round at
 * least 2·C pairings; floor, memory, Redis, …, then the reverse order), and each scenario's CPU
 * and pairings are added up over its rounds: on a shared machine whose load drifts within
 * minutes, the floor and the relay then see the same load.
 * Scenarios: floor; memory store; Redis store with one relay; two relays on one Redis (hosts
 * on one, joiners on the other). Redis is a private redis-server started for the run, so its
 * command counts, read events (request round trips) and CPU are this run's alone.
 * Then, per server: RSS before/after/peak, and RSS per idle and per waiting connection: K
 * connections parked in two steps (K/3, then the other 2K/3), then each hosts a nameplate and
 * waits (again K/3, then 2K/3); K = 9,000 (600 with --quick). Per connection is the slope over the
 * second step, so the fixed cost of the V8 heap growing to its working size (which the first
 * connections pay) is not spread over them; the first-step totals are in the JSON.
 * `--repeat N` runs the closed loop (every C, every scenario) N times over on the same servers and
 * reports, per scenario and C, the run whose ratio to the floor is the median (the floor: the run
 * with the median CPU per pairing), with every run's ratio in `ratioToFloorPerRun` and their range
 * in the table: one run's ratio moves ±0.15 from the next on this machine.
 * `--relay-entry` runs another checkout's relay (e.g. the code before a change) under the same load.
 * Last (`--sustained S`, default 25 s in a full run, none with --quick): on fresh relays (every
 * nameplate free), pairings started at 50/s for S seconds, an open loop, all relay scenarios at
 * once: the largest nameplate handed out at that sustained rate.
 * The run ends with the issue's targets, each with what this run measured and whether it holds;
 * beside "pairs/s at C = 500 not below C = 100" stands the floor's own C = 500 ÷ C = 100, what
 * the machine and load client allow a server that does nothing.
 * Writes bench/relay-results.json (or relay-results.quick.json with --quick).
 */
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cpuMs, peakRssKiB, rssKiB, spawnListening, startPrivateRedis, type Child, type PrivateRedis } from "./relay-procs.js";
import { serverBundle } from "./lib/server-bundles.js";
import { closedLoopSamples, makeWaiting, mergeSamples, openLoopSamples, parkIdle, summarise, type LoadResult, type LoadSamples } from "./relay-load.js";
import { flag, option } from "./lib/args.js";
import { cpuPressure, cpuPressureLabel } from "./lib/machine.js";
import { medianItem, rangeLabel } from "./lib/stats.js";

const QUICK = flag("--quick");
const SLOTS = QUICK ? [1, 10, 100] : [1, 10, 100, 500];
const PAIRINGS = Number(process.env["RELAY_BENCH_PAIRINGS"] ?? (QUICK ? 300 : 2000));
/**
 * At each C the N pairings of every scenario run in up to this many rounds, the scenarios taking
 * turns (floor, memory, Redis, …, then the reverse order), each round at least 2·C pairings: a
 * machine whose load drifts during the run then weighs on the floor and the relay alike.
 */
const ROUNDS = Number(process.env["RELAY_BENCH_ROUNDS"] ?? 4);
/**
 * Connections parked for RSS per connection. 9,000 (3,000 until 2026-12-07): run as a bundle, the
 * relay starts with ~60 MB less memory than under tsx, and over 2,000 connections its slope was
 * mostly the V8 heap's own growth steps (15.5–15.9 KiB per waiting host; 7.5 over 6,000).
 */
const PARKED = QUICK ? 600 : 9000;
const BLOB_BYTES = 1024;
const RUN_LIMIT_MS = QUICK ? 30_000 : 120_000;
const here = path.dirname(fileURLToPath(import.meta.url));
const RELAY_ENTRY = path.resolve(option("--relay-entry") ?? path.join(here, "relay-server.ts"));
const FLOOR_ENTRY = path.join(here, "relay-floor.ts");
const OUT = path.resolve(option("--out") ?? path.join(here, QUICK ? "relay-results.quick.json" : "relay-results.json"));
const WITH_REDIS = !flag("--no-redis");
const REPEAT = Number(option("--repeat") ?? 1);
if (!Number.isInteger(REPEAT) || REPEAT < 1 || REPEAT > 20) throw new RangeError(`--repeat must be an integer in 1..20, got ${option("--repeat")}`);
const SUSTAINED_SECONDS = Number(option("--sustained") ?? (QUICK ? 0 : 25));
if (!(SUSTAINED_SECONDS >= 0 && SUSTAINED_SECONDS <= 600)) throw new RangeError(`--sustained must be seconds in 0..600, got ${option("--sustained")}`);
/** The rate the issue's nameplate target is stated at. */
const SUSTAINED_PER_SECOND = 50;

interface Scenario {
  readonly name: string;
  readonly servers: Child[];
  readonly redis?: PrivateRedis;
  rssBeforeKiB: number;
}

interface RunRow extends LoadResult {
  readonly scenario: string;
  readonly serverCpuMsPerPairing: number;
  floorCpuMsPerPairing: number | null;
  ratioToFloor: number | null;
  /** CPU per pairing ÷ the floor's in the same round, one per round (the spread one run holds). */
  ratioToFloorPerRound: number[] | null;
  /** With --repeat: each run's ratio to the floor, in run order (this row is the median run). */
  ratioToFloorPerRun?: (number | null)[];
  readonly redisCommandsPerPairing: number | null;
  readonly redisRoundTripsPerPairing: number | null;
  readonly redisCpuMsPerPairing: number | null;
}

interface SustainedRow extends LoadResult {
  readonly scenario: string;
  readonly perSecond: number;
}

interface Target {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

interface MemoryRow {
  readonly scenario: string;
  readonly rssBeforeMiB: number;
  readonly rssAfterMiB: number;
  readonly rssPeakMiB: number;
  readonly idleKiBPerConnection: number;
  readonly waitingKiBPerConnection: number;
  /** RSS growth per connection over the first K/3 (includes the heap growing to working size). */
  readonly firstStepIdleKiBPerConnection: number;
}

const mib = (kib: number) => +(kib / 1024).toFixed(1);
const r2 = (x: number) => +x.toFixed(3);
const relayArgs = (extra: string[]) => ["--port", "0", ...extra];

/** One scenario's rounds at one C, added up. */
interface Tally {
  readonly samples: LoadSamples[];
  cpuMs: number;
  /** CPU ms per pairing in each round, in round order. */
  readonly perRound: number[];
  redis: { commands: number; reads: number; cpuMs: number } | undefined;
}

async function runRound(s: Scenario, slots: number, pairings: number, tally: Tally): Promise<void> {
  const pids = s.servers.map((c) => c.pid);
  await s.redis?.reset();
  const cpu0 = pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
  const samples = await closedLoopSamples(s.servers[0]!.url, s.servers[s.servers.length - 1]!.url, slots, pairings, BLOB_BYTES, RUN_LIMIT_MS);
  tally.samples.push(samples);
  const cpu = pids.reduce((sum, pid) => sum + cpuMs(pid), 0) - cpu0;
  tally.cpuMs += cpu;
  // Per completed pairing, as the run's own figure (rowOf) is.
  tally.perRound.push(cpu / Math.max(1, samples.full.length));
  if (s.redis) {
    const r = await s.redis.read();
    tally.redis ??= { commands: 0, reads: 0, cpuMs: 0 };
    tally.redis.commands += r.commands;
    tally.redis.reads += r.reads;
    tally.redis.cpuMs += r.cpuMs;
  }
}

function rowOf(s: Scenario, tally: Tally): RunRow {
  const load = summarise(mergeSamples(tally.samples));
  const n = Math.max(1, load.pairings);
  const redis = tally.redis;
  return {
    scenario: s.name,
    ...load,
    serverCpuMsPerPairing: r2(tally.cpuMs / n),
    floorCpuMsPerPairing: null,
    ratioToFloor: null,
    ratioToFloorPerRound: null,
    redisCommandsPerPairing: redis ? +(redis.commands / n).toFixed(1) : null,
    redisRoundTripsPerPairing: redis ? +(redis.reads / n).toFixed(1) : null,
    redisCpuMsPerPairing: redis ? r2(redis.cpuMs / n) : null,
  };
}

async function memoryOf(s: Scenario): Promise<Omit<MemoryRow, "rssAfterMiB" | "rssPeakMiB" | "scenario" | "rssBeforeMiB">> {
  const pid = s.servers[0]!.pid;
  const url = s.servers[0]!.url;
  const first = Math.round(PARKED / 3);
  const rest = PARKED - first;
  const before = rssKiB(pid);
  const a = await parkIdle(url, first);
  const idle1 = rssKiB(pid);
  const b = await parkIdle(url, rest);
  const idle2 = rssKiB(pid);
  let waiting1 = NaN;
  let waiting2 = NaN;
  if (!s.name.startsWith("floor")) {
    await makeWaiting(a.peers);
    waiting1 = rssKiB(pid);
    await makeWaiting(b.peers);
    waiting2 = rssKiB(pid);
  }
  await Promise.all([a.close(), b.close()]);
  const idle = (idle2 - idle1) / rest;
  return {
    idleKiBPerConnection: +idle.toFixed(1),
    waitingKiBPerConnection: +(idle + (waiting2 - waiting1) / rest).toFixed(1),
    firstStepIdleKiBPerConnection: +((idle1 - before) / first).toFixed(1),
  };
}

/** " (min–max)" of per-round or per-run ratios, when there were several. */
function spreadOf(ratios: readonly (number | null)[] | null): string {
  const xs = (ratios ?? []).filter((x): x is number => x !== null);
  if (xs.length < 2) return "";
  return ` (${rangeLabel(xs)})`;
}

/** One scenario at one C over the --repeat runs: the median run, with every run's ratio. */
function medianRun(rows: RunRow[]): RunRow {
  const floor = rows[0]!.scenario.startsWith("floor");
  const pick = medianItem(rows, (r) => (floor ? r.serverCpuMsPerPairing : (r.ratioToFloor ?? Number.POSITIVE_INFINITY)));
  return { ...pick, ratioToFloorPerRun: rows.map((r) => r.ratioToFloor) };
}

function table(header: string[], rows: (string | number | null)[][]): string {
  const all = [header, ...rows.map((r) => r.map((v) => (v === null ? "–" : String(v))))];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: string[]) => "| " + r.map((v, i) => v.padEnd(widths[i]!)).join(" | ") + " |";
  return [line(all[0]!), "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|", ...all.slice(1).map(line)].join("\n");
}

/**
 * The open loop at the issue's rate on fresh relays (so no nameplate is cooling from the closed
 * loop), every relay scenario at the same time: each is its own server or Redis prefix.
 */
async function sustainedRuns(redis: PrivateRedis | undefined, spawnRelay: (extra: string[]) => Promise<Child>): Promise<SustainedRow[]> {
  const fresh: { name: string; host: string; join: string }[] = [];
  const mem = await spawnRelay([]);
  fresh.push({ name: "memory, 1 relay", host: mem.url, join: mem.url });
  if (redis) {
    const one = await spawnRelay(["--redis", redis.url, "--redis-prefix", "s1:"]);
    fresh.push({ name: "redis, 1 relay", host: one.url, join: one.url });
    const two = [await spawnRelay(["--redis", redis.url, "--redis-prefix", "s2:"]), await spawnRelay(["--redis", redis.url, "--redis-prefix", "s2:"])];
    fresh.push({ name: "redis, 2 relays", host: two[0]!.url, join: two[1]!.url });
  }
  process.stderr.write(`sustained: ${SUSTAINED_PER_SECOND} pairings/s for ${SUSTAINED_SECONDS} s, ${fresh.map((f) => f.name).join(", ")} at once\n`);
  const results = await Promise.all(fresh.map((f) => openLoopSamples(f.host, f.join, SUSTAINED_PER_SECOND, SUSTAINED_SECONDS, BLOB_BYTES)));
  return results.map((samples, i) => ({ scenario: fresh[i]!.name, perSecond: SUSTAINED_PER_SECOND, ...summarise(samples) }));
}

/** The issue's targets against this run's rows (a target whose rows are missing is left out). */
function targetsOf(runs: readonly RunRow[], memory: readonly MemoryRow[], sustained: readonly SustainedRow[]): Target[] {
  const out: Target[] = [];
  const rows = (scenario: string) => runs.filter((r) => r.scenario === scenario);
  const at = (scenario: string, c: number) => runs.find((r) => r.scenario === scenario && r.slots === c);
  /** A per-row figure at most `max` at every C. */
  const everyC = (target: string, of: readonly RunRow[], pick: (r: RunRow) => number | null, max: number): Target => ({
    target,
    measured: of.map((r) => `C=${r.slots} ${pick(r)}`).join(", "),
    met: of.every((r) => {
      const v = pick(r);
      return v !== null && v <= max;
    }),
  });
  const memRows = rows("memory, 1 relay");
  if (memRows.length > 0) out.push(everyC("memory store CPU per pairing ≤ 1.2× the floor, every C", memRows, (r) => r.ratioToFloor, 1.2));
  const redisRows = rows("redis, 1 relay");
  if (redisRows.length > 0) {
    out.push(everyC("Redis store (1 relay) ≤ 2× the floor in the relay, every C", redisRows, (r) => r.ratioToFloor, 2));
    out.push(everyC("≤ 0.5 ms Redis CPU per pairing", redisRows, (r) => r.redisCpuMsPerPairing, 0.5));
    const redisAll = [...redisRows, ...rows("redis, 2 relays")];
    out.push({
      target: "≤ 10 Redis round trips per pairing",
      measured: `max ${Math.max(...redisAll.map((r) => r.redisRoundTripsPerPairing ?? Number.POSITIVE_INFINITY))}`,
      met: redisAll.every((r) => r.redisRoundTripsPerPairing !== null && r.redisRoundTripsPerPairing <= 10),
    });
  }
  const floor100 = at("floor (bare ws)", 100);
  const floor500 = at("floor (bare ws)", 500);
  if (floor100 && floor500) {
    const floorRatio = (floor500.pairsPerSecond / floor100.pairsPerSecond).toFixed(3);
    for (const scenario of ["memory, 1 relay", "redis, 1 relay", "redis, 2 relays"]) {
      const c100 = at(scenario, 100);
      const c500 = at(scenario, 500);
      if (!c100 || !c500) continue;
      const ratio = (c500.pairsPerSecond / c100.pairsPerSecond).toFixed(3);
      out.push({
        target: `${scenario}: pairs/s at C = 500 not below C = 100`,
        measured: `${c500.pairsPerSecond} ÷ ${c100.pairsPerSecond} = ${ratio} (the floor's own: ${floorRatio})`,
        met: c500.pairsPerSecond >= c100.pairsPerSecond,
      });
    }
  }
  const waiting = memory.filter((m) => !m.scenario.startsWith("floor") && !Number.isNaN(m.waitingKiBPerConnection));
  if (waiting.length > 0) {
    out.push({
      target: "≤ 15 KiB RSS per waiting connection",
      measured: waiting.map((m) => `${m.scenario} ${m.waitingKiBPerConnection}`).join(", "),
      met: waiting.every((m) => m.waitingKiBPerConnection <= 15),
    });
  }
  if (sustained.length > 0) {
    out.push({
      target: `nameplates ≤ 3 digits at ${SUSTAINED_PER_SECOND} pairings/s sustained`,
      measured: sustained.map((r) => `${r.scenario} max ${r.maxNameplate}${r.failed ? `, ${r.failed} failed` : ""}`).join(", "),
      met: sustained.every((r) => r.maxNameplate <= 999 && r.failed === 0),
    });
  }
  return out;
}

async function main(): Promise<void> {
  const pressureAtStart = cpuPressure();
  const redis = WITH_REDIS ? await startPrivateRedis() : undefined;
  const scenarios: Scenario[] = [];
  const started: Child[] = [];
  // Both servers as they run outside the repo: bundles, plain node (bench/lib/server-bundles.ts).
  const relayBundle = await serverBundle(RELAY_ENTRY, "relay-server");
  const floorBundle = await serverBundle(FLOOR_ENTRY, "relay-floor");
  const spawnRelay = async (extra: string[]) => {
    const c = await spawnListening(relayBundle, relayArgs(extra));
    started.push(c);
    return c;
  };
  try {
    const floor = await spawnListening(floorBundle, []);
    started.push(floor);
    scenarios.push({ name: "floor (bare ws)", servers: [floor], rssBeforeKiB: rssKiB(floor.pid) });
    const mem = await spawnRelay([]);
    scenarios.push({ name: "memory, 1 relay", servers: [mem], rssBeforeKiB: rssKiB(mem.pid) });
    if (redis) {
      const one = await spawnRelay(["--redis", redis.url, "--redis-prefix", "b1:"]);
      scenarios.push({ name: "redis, 1 relay", servers: [one], redis, rssBeforeKiB: rssKiB(one.pid) });
      const two = [await spawnRelay(["--redis", redis.url, "--redis-prefix", "b2:"]), await spawnRelay(["--redis", redis.url, "--redis-prefix", "b2:"])];
      scenarios.push({ name: "redis, 2 relays", servers: two, redis, rssBeforeKiB: two.reduce((s, c) => s + rssKiB(c.pid), 0) });
    }

    // RSS per idle / waiting connection first, on fresh servers.
    const memoryParts = new Map<string, Awaited<ReturnType<typeof memoryOf>>>();
    for (const s of scenarios) {
      if (s.servers.length > 1) continue;
      process.stderr.write(`${s.name}: ${PARKED} parked connections\n`);
      memoryParts.set(s.name, await memoryOf(s));
    }

    // The closed loop, interleaved by C so every scenario at one C sees the same machine, and
    // within one C in rounds taking turns, so a drifting load is shared too.
    const repeats: RunRow[][] = [];
    for (let rep = 0; rep < REPEAT; rep++) {
      const runs: RunRow[] = [];
      for (const slots of SLOTS) {
        const rounds = Math.max(1, Math.min(ROUNDS, Math.floor(PAIRINGS / (2 * slots))));
        const tallies = new Map<Scenario, Tally>(scenarios.map((s) => [s, { samples: [], cpuMs: 0, perRound: [], redis: undefined }]));
        for (let round = 0; round < rounds; round++) {
          const pairings = Math.floor(PAIRINGS / rounds) + (round < PAIRINGS % rounds ? 1 : 0);
          for (const s of round % 2 === 0 ? scenarios : [...scenarios].reverse()) {
            process.stderr.write(`${s.name}: C=${slots}, round ${round + 1}/${rounds}, ${pairings} pairings${REPEAT > 1 ? `, run ${rep + 1}/${REPEAT}` : ""}\n`);
            await runRound(s, slots, pairings, tallies.get(s)!);
          }
        }
        let floorCpu: number | null = null;
        let floorRounds: number[] = [];
        for (const s of scenarios) {
          const tally = tallies.get(s)!;
          const row = rowOf(s, tally);
          if (s.name.startsWith("floor")) {
            floorCpu = row.serverCpuMsPerPairing;
            floorRounds = tally.perRound;
          }
          row.floorCpuMsPerPairing = floorCpu;
          row.ratioToFloor = floorCpu ? +(row.serverCpuMsPerPairing / floorCpu).toFixed(2) : null;
          // Round i of every scenario ran back to back (in turn), so each round's ratio pairs like with like.
          row.ratioToFloorPerRound = floorRounds.length === tally.perRound.length ? tally.perRound.map((c, i) => +(c / floorRounds[i]!).toFixed(2)) : null;
          runs.push(row);
        }
      }
      repeats.push(runs);
    }
    const runs = REPEAT === 1 ? repeats[0]! : repeats[0]!.map((_, i) => medianRun(repeats.map((r) => r[i]!)));

    const memory: MemoryRow[] = scenarios.map((s) => {
      const part = memoryParts.get(s.name);
      return {
        scenario: s.name,
        rssBeforeMiB: mib(s.rssBeforeKiB),
        rssAfterMiB: mib(s.servers.reduce((sum, c) => sum + rssKiB(c.pid), 0)),
        rssPeakMiB: mib(s.servers.reduce((sum, c) => sum + peakRssKiB(c.pid), 0)),
        idleKiBPerConnection: part?.idleKiBPerConnection ?? NaN,
        waitingKiBPerConnection: part?.waitingKiBPerConnection ?? NaN,
        firstStepIdleKiBPerConnection: part?.firstStepIdleKiBPerConnection ?? NaN,
      };
    });

    const sustained = SUSTAINED_SECONDS > 0 ? await sustainedRuns(redis, spawnRelay) : [];
    const targets = targetsOf(runs, memory, sustained);

    const head = `relay bench (${QUICK ? "quick" : "full"}): closed loop, ${PAIRINGS} pairings per run (in up to ${ROUNDS} rounds, scenarios taking turns)${REPEAT > 1 ? `, ${REPEAT} runs (each row the median run)` : ""}, ${BLOB_BYTES} B blobs, loopback, Node ${process.version}, relay ${path.relative(process.cwd(), RELAY_ENTRY)} (bundled as lethe relay ships), load average ${loadavg().map((x) => x.toFixed(1)).join(" ")}, CPU pressure at the start ${cpuPressureLabel(pressureAtStart)}, at the end ${cpuPressureLabel()}`;
    const runTable = table(
      ["scenario", "C", "pairs/s", "first blob p50/p99 ms", "pairing p50/p99 ms", "server CPU ms/pairing", REPEAT > 1 ? "÷ floor (runs min–max)" : "÷ floor (rounds min–max)", "Redis cmds/pairing", "Redis round trips/pairing", "Redis CPU ms/pairing", "failed", "max nameplate"],
      runs.map((r) => [
        r.scenario,
        r.slots,
        r.pairsPerSecond,
        `${r.firstBlobP50Ms} / ${r.firstBlobP99Ms}`,
        `${r.fullP50Ms} / ${r.fullP99Ms}`,
        r.serverCpuMsPerPairing,
        r.ratioToFloor === null ? null : `${r.ratioToFloor}${spreadOf(r.ratioToFloorPerRun ?? r.ratioToFloorPerRound)}`,
        r.redisCommandsPerPairing,
        r.redisRoundTripsPerPairing,
        r.redisCpuMsPerPairing,
        r.failed ? `${r.failed} (${r.firstError})` : 0,
        r.maxNameplate,
      ]),
    );
    const memTable = table(
      ["scenario", "RSS before MiB", "RSS after MiB", "RSS peak MiB", "KiB per idle connection", "KiB per waiting host"],
      memory.map((m) => [m.scenario, m.rssBeforeMiB, m.rssAfterMiB, m.rssPeakMiB, Number.isNaN(m.idleKiBPerConnection) ? null : m.idleKiBPerConnection, Number.isNaN(m.waitingKiBPerConnection) ? null : m.waitingKiBPerConnection]),
    );
    const sustainedTable =
      sustained.length === 0
        ? ""
        : `\n\nsustained ${SUSTAINED_PER_SECOND} pairings/s for ${SUSTAINED_SECONDS} s (open loop, fresh relays):\n` +
          table(
            ["scenario", "pairings", "failed", "pairing p50/p99 ms", "max nameplate"],
            sustained.map((r) => [r.scenario, r.pairings, r.failed ? `${r.failed} (${r.firstError})` : 0, `${r.fullP50Ms} / ${r.fullP99Ms}`, r.maxNameplate]),
          );
    const targetTable = `\n\ntargets (issue 12${QUICK ? "; a --quick run is too short and too small to judge them" : ""}):\n${table(["target", "this run", "met"], targets.map((t) => [t.target, t.measured, t.met ? "yes" : "NO"]))}`;
    process.stdout.write(`\n${head}\n${runTable}\n\n${memTable}${sustainedTable}${targetTable}\n`);
    writeFileSync(
      OUT,
      JSON.stringify({ date: new Date().toISOString(), quick: QUICK, node: process.version, loadavg: loadavg(), cpuPressure: { start: pressureAtStart, end: cpuPressure() }, relayEntry: path.relative(here, RELAY_ENTRY), pairingsPerRun: PAIRINGS, rounds: ROUNDS, repeat: REPEAT, runs, memory, sustained, targets }, null, 2) + "\n",
    );
    process.stdout.write(`wrote ${OUT}\n`);
  } finally {
    await Promise.all(started.map((c) => c.stop()));
    await redis?.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
