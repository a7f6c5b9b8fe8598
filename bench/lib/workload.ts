/**
 * What a workload is: a function from the run's options to result rows. Workloads run in their
 * own child process (child-entry.ts), so a leak, a stuck socket or a GC flag in one cannot
 * colour another's numbers.
 */
import { failedRow, missingRow, type RowSpec, type WorkloadRow } from "./table.js";
import { PieceMissingError } from "./pieces.js";

export interface WorkloadOptions {
  readonly quick: boolean;
  /** When the harness runs the workload in several children: the rows this one measures. */
  readonly part?: string;
  /** Progress lines (stderr), never part of the results. */
  log(message: string): void;
}

export type Workload = (options: WorkloadOptions) => Promise<WorkloadRow[]>;

/** The row specs a measurement will produce, minus the engine figure and note. */
export type PendingSpec = Omit<RowSpec, "engine" | "note">;

/**
 * Run a measurement that yields rows; if it throws, give each expected row a missing-piece or
 * failed note instead (met=false), so the table always has every row and never a made-up value.
 */
export async function measured(
  expected: readonly PendingSpec[],
  measure: () => Promise<WorkloadRow[]>,
  log: (m: string) => void,
): Promise<WorkloadRow[]> {
  try {
    return await measure();
  } catch (e) {
    if (e instanceof PieceMissingError) {
      log(e.message);
      return expected.map((s) => missingRow(s, e.piece));
    }
    const why = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    log(`failed: ${why}`);
    if (e instanceof Error && e.stack) log(e.stack);
    return expected.map((s) => failedRow(s, why.slice(0, 160)));
  }
}
