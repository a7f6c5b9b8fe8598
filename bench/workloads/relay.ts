/**
 * Workload 7 — relay: messages/s and p99 per relay instance. Measured by the relay engineer's
 * `npm run bench:relay` (bench/relay.ts), which writes bench/relay-results.json; this workload
 * only reads that file. It accepts the relay bench's own shape (`{ date, results: [{ scenario,
 * relays, messagesPerSecond, p99Ms, pairingsPerSecond, … }] }`: two rows per scenario, per relay
 * instance), or rows in this harness's shape (`{ workloads: [...] }` or a bare array); anything
 * else becomes one row saying what to run. The relay bench has no baseline of its own in the
 * file, so these rows are informational.
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

interface RelayScenario {
  scenario: string;
  relays?: number;
  messagesPerSecond: number;
  p99Ms: number;
  pairingsPerSecond?: number;
  clients?: number;
}

function scenarioRows(list: unknown[], when: string): WorkloadRow[] {
  const rows: WorkloadRow[] = [];
  for (const x of list) {
    const r = x as Partial<RelayScenario>;
    if (typeof r.scenario !== "string" || typeof r.messagesPerSecond !== "number" || typeof r.p99Ms !== "number") continue;
    const relays = typeof r.relays === "number" && r.relays > 0 ? r.relays : 1;
    const ctx = `${r.clients ?? "?"} clients; ${relays} relay(s)${typeof r.pairingsPerSecond === "number" ? `; ${r.pairingsPerSecond} pairings/s` : ""}; bench:relay ${when}`;
    const common = { workload: 7, baseline: null, baselineName: "(no baseline in relay-results.json)", target: null } as const;
    rows.push(
      makeRow({ ...common, name: `relay messages/s per instance (${r.scenario})`, unit: "msg/s", engine: r.messagesPerSecond / relays, higherIsBetter: true, note: ctx }),
      makeRow({ ...common, name: `relay message p99 (${r.scenario})`, unit: "ms", engine: r.p99Ms, higherIsBetter: false, note: ctx }),
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
  const when = statSync(FILE).mtime.toISOString();
  const own = (doc as { results?: unknown } | null)?.results;
  if (Array.isArray(own)) {
    const rows = scenarioRows(own, when);
    if (rows.length > 0) return rows;
  }
  const list = Array.isArray(doc) ? doc : (doc as { workloads?: unknown } | null)?.workloads;
  const rows = Array.isArray(list) ? list.map(toRow).filter((r): r is WorkloadRow => r !== undefined) : [];
  if (rows.length === 0) return [pending("bench/relay-results.json has no rows this harness understands; run `npm run bench:relay`")];
  o.log(`relay rows from bench/relay-results.json (${when})`);
  return rows.map((r) => makeRow({ ...r, note: `${r.note ? r.note + "; " : ""}from relay-results.json ${when}` }));
}
