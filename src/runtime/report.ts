/**
 * The one way an error leaves the runtime: counted under `error.<source>.<name>` and published
 * as an `error` event on events$ (name and source, never a message that could carry data; a few
 * errors add a fixed public `hint` saying what to do). A fatal error also ends the session (FATAL -> ended{error}). Every stage of every
 * pipeline reports through here; nothing is swallowed.
 */
import { LetheError } from "../errors.js";
import type { SessionEvent } from "../machines/protocol.js";
import type { EngineEvent } from "./types.js";

export interface ErrorReporter {
  /** Count and publish; with `fatal`, end the session. Returns the new count. */
  (error: unknown, source: string, options?: { readonly fatal?: boolean }): number;
}

export function errorName(error: unknown): string {
  if (error instanceof Error && typeof error.name === "string" && /^[A-Za-z0-9_]{1,64}$/.test(error.name)) return error.name;
  return "Error";
}

export function createReporter(
  counters: Record<string, number>,
  announce: (e: EngineEvent) => void,
  toSession: (e: SessionEvent) => void,
): ErrorReporter {
  return (error, source, options) => {
    const name = errorName(error);
    const key = `error.${source}.${name}`;
    const n = (counters[key] ?? 0) + 1;
    counters[key] = n;
    const fatal = options?.fatal === true;
    const hint = error instanceof LetheError ? error.hint : undefined;
    announce({ type: "error", name, source, count: n, fatal, ...(hint !== undefined ? { hint } : {}) });
    if (fatal) toSession({ type: "FATAL", error: name });
    return n;
  };
}

/** For a promise whose failure is reported rather than thrown (a close, a withdraw). */
export function reportRejection(report: ErrorReporter, source: string): (e: unknown) => void {
  return (e) => void report(e, source);
}
