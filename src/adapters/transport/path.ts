/**
 * Reading a `SelectedPath`: how a host app says "direct" or "via TURN", and equality for
 * de-duplicating path updates. Browser-safe (no node:*).
 */
import type { CandidateType, SelectedPath } from "./types.js";

/** What a person needs to know about a path: does a TURN server carry it? */
export type PathRoute = "direct" | "relayed" | "memory" | "unknown";

export const MEMORY_PATH: SelectedPath = Object.freeze({ kind: "memory" });
export const UNKNOWN_PATH: SelectedPath = Object.freeze({ kind: "unknown" });

/** `relayed` when either end of the pair is a TURN relay candidate, else `direct` (host, srflx, prflx). */
export function pathRoute(path: SelectedPath): PathRoute {
  if (path.kind !== "ice") return path.kind;
  return path.local === "relay" || path.remote === "relay" ? "relayed" : "direct";
}

export function samePath(a: SelectedPath, b: SelectedPath): boolean {
  if (a.kind !== "ice" || b.kind !== "ice") return a.kind === b.kind;
  return a.local === b.local && a.remote === b.remote && a.protocol === b.protocol;
}

const CANDIDATE_TYPES: ReadonlySet<string> = new Set<CandidateType>(["host", "srflx", "prflx", "relay"]);

/**
 * The path for a pair of candidates as a WebRTC stack describes them (candidate `type` strings
 * and the pair's transport); `unknown` for anything outside the four types or udp/tcp.
 */
export function icePath(local: string | undefined, remote: string | undefined, protocol: string | undefined): SelectedPath {
  const proto = protocol?.toLowerCase();
  if (local === undefined || remote === undefined || !CANDIDATE_TYPES.has(local) || !CANDIDATE_TYPES.has(remote)) {
    return UNKNOWN_PATH;
  }
  if (proto !== "udp" && proto !== "tcp") return UNKNOWN_PATH;
  return Object.freeze({ kind: "ice", local: local as CandidateType, remote: remote as CandidateType, protocol: proto });
}
