/**
 * The harness's result rows: the ratio and `met` logic, the printed table, and the
 * `bench/results.json` document. Pure functions (the smoke test runs them on synthetic input).
 *
 * A row compares the engine's figure with a baseline measured in the same run:
 *   ratio = engine / baseline (always this way round; `higherIsBetter` says how to read it).
 * `target` applies to the ratio (`targetOn: "ratio"`) or, where the issue states an absolute
 * budget (pairing ≤ 3 ms CPU, code→first change ≤ 300 ms), to the engine's figure
 * (`targetOn: "engine"`). `target: null` marks an informational row (the issue sets no target
 * for it): `met` is then null. A row whose engine piece is missing or failed has engine null,
 * a `note` saying why, and met false — never a number it did not measure.
 */
import { median, rangeLabel } from "./stats.js";

export type TargetOn = "ratio" | "engine";

export interface WorkloadRow {
  readonly workload: number;
  readonly name: string;
  readonly unit: string;
  readonly engine: number | null;
  readonly baseline: number | null;
  readonly baselineName: string;
  readonly ratio: number | null;
  readonly target: number | null;
  readonly targetOn: TargetOn;
  readonly higherIsBetter: boolean;
  readonly met: boolean | null;
  readonly note?: string;
}

export interface RowSpec {
  readonly workload: number;
  readonly name: string;
  readonly unit: string;
  readonly engine: number | null;
  readonly baseline: number | null;
  readonly baselineName: string;
  readonly target: number | null;
  readonly targetOn?: TargetOn;
  readonly higherIsBetter: boolean;
  readonly note?: string;
}

const finite = (x: number | null): x is number => x !== null && Number.isFinite(x);

/** Build a row: computes the ratio and whether the target is met. */
export function makeRow(spec: RowSpec): WorkloadRow {
  const targetOn = spec.targetOn ?? "ratio";
  const ratio = finite(spec.engine) && finite(spec.baseline) && spec.baseline !== 0 ? spec.engine / spec.baseline : null;
  let met: boolean | null;
  if (!finite(spec.engine)) met = false;
  else if (spec.target === null) met = null;
  else {
    const x = targetOn === "ratio" ? ratio : spec.engine;
    met = x === null ? false : spec.higherIsBetter ? x >= spec.target : x <= spec.target;
  }
  return {
    workload: spec.workload,
    name: spec.name,
    unit: spec.unit,
    engine: finite(spec.engine) ? spec.engine : null,
    baseline: finite(spec.baseline) ? spec.baseline : null,
    baselineName: spec.baselineName,
    ratio,
    target: spec.target,
    targetOn,
    higherIsBetter: spec.higherIsBetter,
    met,
    ...(spec.note !== undefined ? { note: spec.note } : {}),
  };
}

/**
 * One row per (workload, name) out of several whole runs of the same workloads (`--repeat=N`):
 * each run's ratio is engine ÷ a baseline measured beside it, so the combined ratio is the
 * median of the runs' ratios (not a ratio of medians taken at different times), and `met` reads
 * that median, or the median engine figure for an absolute target. engine and baseline are the
 * medians of the runs' figures. The note gives the number of runs and the spread of the ratio, then
 * the rows' own note (the first run's, marked so, where the runs' notes differ); a
 * run that failed keeps its `failed:` note at the front (so --check still sees it), and the
 * medians are over the runs that measured.
 */
export function combineRuns(runs: readonly (readonly WorkloadRow[])[]): WorkloadRow[] {
  const groups = new Map<string, WorkloadRow[]>();
  for (const run of runs) {
    for (const row of run) {
      const key = `${row.workload}\u0000${row.name}`;
      const g = groups.get(key);
      if (g === undefined) groups.set(key, [row]);
      else g.push(row);
    }
  }
  return [...groups.values()].map((rows) => {
    const first = rows[0]!;
    if (rows.length === 1) return first;
    const med = (xs: number[]) => (xs.length === 0 ? null : median(xs));
    const engines = rows.flatMap((r) => (r.engine === null ? [] : [r.engine]));
    const baselines = rows.flatMap((r) => (r.baseline === null ? [] : [r.baseline]));
    const ratios = rows.flatMap((r) => (r.ratio === null ? [] : [r.ratio]));
    const failed = rows.find((r) => r.note?.startsWith("failed") === true);
    const spread = ratios.length > 0 ? `; ratio ${rangeLabel(ratios)}` : "";
    // The rows' own notes: kept as they are when every run wrote the same, else the first run's, marked so.
    const notes = [...new Set(rows.flatMap((r) => (r.note === undefined || r.note.startsWith("failed") ? [] : [r.note])))];
    const own = notes.length === 0 ? undefined : notes.length === 1 ? notes[0] : `first run: ${notes[0]}`;
    const note = [failed?.note, `median of ${rows.length} runs${spread}`, own].filter((n) => n !== undefined).join("; ");
    const row = makeRow({ ...first, engine: med(engines), baseline: med(baselines), note });
    const ratio = med(ratios);
    let met = row.met;
    if (row.engine !== null && row.target !== null && row.targetOn === "ratio") {
      met = ratio === null ? false : row.higherIsBetter ? ratio >= row.target : ratio <= row.target;
    }
    return { ...row, ratio, met };
  });
}

/** Note on rows a --quick run skips to stay under two minutes. */
export const FULL_RUN_ONLY = "measured in full runs only";

/**
 * Rows that make `--check` fail: a failed or timed-out measurement, or a baseline that should
 * have been measured and was not. A missing engine piece is not a failure (it is reported), nor
 * is a row without a baseline by design (its baselineName is in parentheses) or a full-run row.
 */
export function harnessProblems(rows: readonly WorkloadRow[]): WorkloadRow[] {
  return rows.filter(
    (r) =>
      r.workload <= 6 &&
      (r.note?.startsWith("failed") === true ||
        (r.baseline === null && !r.baselineName.startsWith("(") && r.note !== FULL_RUN_ONLY)),
  );
}

/** A row for a workload whose engine piece does not exist (yet) or failed to load. */
export function missingRow(spec: Omit<RowSpec, "engine" | "note">, piece: string): WorkloadRow {
  return makeRow({ ...spec, engine: null, note: `engine piece missing: ${piece}` });
}

/** A row for a workload whose measurement threw or timed out. */
export function failedRow(spec: Omit<RowSpec, "engine" | "note">, why: string): WorkloadRow {
  return makeRow({ ...spec, engine: null, note: `failed: ${why}` });
}

/** Three significant digits, thousands separated; "–" for no value. */
export function fmt(x: number | null): string {
  if (x === null) return "–";
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString("en-US");
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  if (a === 0) return "0";
  return x.toPrecision(3);
}

export function describeTarget(row: WorkloadRow): string {
  if (row.target === null) return "(info)";
  const op = row.higherIsBetter ? ">=" : "<=";
  return row.targetOn === "ratio" ? `ratio ${op} ${row.target}` : `${op} ${fmt(row.target)} ${row.unit}`;
}

export function metLabel(row: WorkloadRow): string {
  return row.met === null ? "n/a" : row.met ? "yes" : "NO";
}

/** The printed table (markdown, so docs/performance.md can quote it verbatim). */
export function formatTable(rows: readonly WorkloadRow[]): string {
  const head = ["#", "workload", "unit", "engine", "baseline", "baseline is", "ratio", "target", "met", "note"];
  const body = rows.map((r) => [
    String(r.workload),
    r.name,
    r.unit,
    fmt(r.engine),
    fmt(r.baseline),
    r.baselineName,
    r.ratio === null ? "–" : r.ratio.toFixed(2),
    describeTarget(r),
    metLabel(r),
    r.note ?? "",
  ]);
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  const lines = [head, head.map(() => "---"), ...body].map((cells) => `| ${cells.map(esc).join(" | ")} |`);
  return lines.join("\n");
}

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
  readonly date: string;
  readonly loadAverage: readonly number[];
  /** CPU pressure (PSI "some", %, 10 / 60 / 300 s) when the run started; null where absent. */
  readonly cpuPressure: readonly [number, number, number] | null;
}

export interface BenchResults {
  readonly machine: MachineInfo;
  readonly mode: "quick" | "full";
  readonly durationS: number;
  /** Whole runs the rows are medians of (`--repeat`); 1 for a plain run. */
  readonly runs: number;
  readonly network: Readonly<Record<string, unknown>>;
  readonly workloads: readonly WorkloadRow[];
}

export function buildResults(
  machine: MachineInfo,
  mode: "quick" | "full",
  durationS: number,
  rows: readonly WorkloadRow[],
  network: Readonly<Record<string, unknown>> = {},
  runs = 1,
): BenchResults {
  const workloads = [...rows].sort((a, b) => a.workload - b.workload);
  return { machine, mode, durationS, runs, network, workloads };
}
