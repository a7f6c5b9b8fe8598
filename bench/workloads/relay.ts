/**
 * Workload 7 — relay: server CPU per pairing against the bare-ws floor measured in the same run,
 * and pairs/s. Measured by `npm run bench:relay` (bench/relay.ts), which writes
 * bench/relay-results.json; this workload only reads that file. It accepts the relay bench's
 * shape (`{ date, runs: [{ scenario, slots, serverCpuMsPerPairing, floorCpuMsPerPairing,
 * pairsPerSecond, … }] }`: per scenario and C, the CPU row has the floor as its baseline and
 * the target for one relay — memory ≤ 1.2×, Redis ≤ 2× — and pairs/s is
 * informational), or rows in
 * this harness's shape (`{ workloads: [...] }` or a bare array); anything else becomes one row
 * saying what to run.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { makeRow, type WorkloadRow } from "../lib/table.js";
import type { WorkloadOptions } from "../lib/workload.js";

const FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "relay-results.json");

const pending = (note: string): WorkloadRow =>
  makeRow({
    workload: 7, name: "relay messages/s and p99 per instance", unit: "msg/s", engine: null, baseline: null,
    baselineName: "(from bench/relay-results.json)", target: null, higherIsBetter: true, note,
  });

function toRow(x: unknown): WorkloadRow | undefined {
  if (x === null || typeof x !== "object") return undefined;
  const r = x as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  if (typeof r.name !== "string" || typeof r.unit !== "string") return undefined;
  return makeRow({
    workload: 7,
    name: r.name,
    unit: r.unit,
    engine: num(r.engine),
    baseline: num(r.baseline),
    baselineName: typeof r.baselineName === "string" ? r.baselineName : "",
    target: num(r.target),
    targetOn: r.targetOn === "engine" ? "engine" : "ratio",
    higherIsBetter: r.higherIsBetter !== false,
    ...(typeof r.note === "string" ? { note: r.note } : {}),
  });
}

interface RelayRun {
  scenario: string;
  slots: number;
  pairsPerSecond: number;
  serverCpuMsPerPairing: number;
  floorCpuMsPerPairing: number | null;
  fullP99Ms?: number;
}

function runRows(list: unknown[], when: string): WorkloadRow[] {
  const rows: WorkloadRow[] = [];
  for (const x of list) {
    const r = x as Partial<RelayRun>;
    if (typeof r.scenario !== "string" || typeof r.slots !== "number" || typeof r.serverCpuMsPerPairing !== "number" || r.scenario.startsWith("floor")) continue;
    const ctx = `closed loop C=${r.slots}; ${r.pairsPerSecond ?? "?"} pairs/s; bench:relay ${when}`;
    // The issue's targets are for one relay; two relays' CPU is summed over both processes
    // (each pairing touches both) against one forwarder, so that row is informational.
    const target = r.scenario.includes("2 relays") ? null : r.scenario.startsWith("memory") ? 1.2 : 2;
    rows.push(
      makeRow({
        workload: 7, name: `relay server CPU per pairing (${r.scenario}, C=${r.slots})`, unit: "ms", engine: r.serverCpuMsPerPairing,
        baseline: typeof r.floorCpuMsPerPairing === "number" ? r.floorCpuMsPerPairing : null, baselineName: "bare ws forwarder, same run",
        target, higherIsBetter: false, note: ctx,
      }),
      makeRow({ workload: 7, name: `relay pairs/s (${r.scenario}, C=${r.slots})`, unit: "pairs/s", engine: r.pairsPerSecond ?? null, baseline: null, baselineName: "(informational)", target: null, higherIsBetter: true, note: ctx }),
    );
  }
  return rows;
}

export async function run(o: WorkloadOptions): Promise<WorkloadRow[]> {
  if (!existsSync(FILE)) return [pending("not measured in this run: run `npm run bench:relay` (writes bench/relay-results.json)")];
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(FILE, "utf8"));
  } catch (e) {
    return [pending(`bench/relay-results.json unreadable: ${e instanceof Error ? e.message : String(e)}`)];
  }
  // When the relay bench ran (its own `date`), not the file's mtime: a fresh clone stamps every file.
  const stamped = (doc as { date?: unknown } | null)?.date;
  const when = typeof stamped === "string" ? stamped : statSync(FILE).mtime.toISOString();
  const own = (doc as { runs?: unknown } | null)?.runs;
  if (Array.isArray(own)) {
    const rows = runRows(own, when);
    if (rows.length > 0) return rows;
  }
  const list = Array.isArray(doc) ? doc : (doc as { workloads?: unknown } | null)?.workloads;
  const rows = Array.isArray(list) ? list.map(toRow).filter((r): r is WorkloadRow => r !== undefined) : [];
  if (rows.length === 0) return [pending("bench/relay-results.json has no rows this harness understands; run `npm run bench:relay`")];
  o.log(`relay rows from bench/relay-results.json (${when})`);
  return rows.map((r) => makeRow({ ...r, note: `${r.note ? r.note + "; " : ""}from relay-results.json ${when}` }));
}
