/**
 * The selected candidate pair's path from a W3C `RTCStatsReport` (webrtc-stats §7): the
 * `transport` entry's `selectedCandidatePairId` (Chromium, Safari), else a `candidate-pair`
 * marked `selected` (Firefox), else one that is `nominated` and `succeeded`; then the pair's
 * `local-candidate` / `remote-candidate` entries give `candidateType` and `protocol`.
 * Browser-safe; takes the report through the two maplike members it needs.
 */
import type { SelectedPath } from "../types.js";
import { icePath, UNKNOWN_PATH } from "../path.js";

export interface StatsReportLike {
  get(id: string): unknown;
  values(): Iterable<unknown>;
}

interface StatsEntry {
  readonly id?: string;
  readonly type?: string;
  readonly selectedCandidatePairId?: string;
  readonly selected?: boolean;
  readonly nominated?: boolean;
  readonly state?: string;
  readonly localCandidateId?: string;
  readonly remoteCandidateId?: string;
  readonly candidateType?: string;
  readonly protocol?: string;
}

const entry = (v: unknown): StatsEntry => (typeof v === "object" && v !== null ? (v as StatsEntry) : {});

export function pathFromStats(report: StatsReportLike): SelectedPath {
  const all = [...report.values()].map(entry);
  const isPair = (s: StatsEntry | undefined): s is StatsEntry => s?.type === "candidate-pair";
  const selectedId = all.find((s) => s.type === "transport" && typeof s.selectedCandidatePairId === "string")?.selectedCandidatePairId;
  const viaTransport = selectedId !== undefined ? entry(report.get(selectedId)) : undefined;
  const pair =
    (isPair(viaTransport) ? viaTransport : undefined) ??
    all.find((s) => isPair(s) && s.selected === true) ??
    all.find((s) => isPair(s) && s.nominated === true && s.state === "succeeded");
  if (pair === undefined || pair.localCandidateId === undefined || pair.remoteCandidateId === undefined) {
    return UNKNOWN_PATH;
  }
  const local = entry(report.get(pair.localCandidateId));
  const remote = entry(report.get(pair.remoteCandidateId));
  // The pair's transport is the local candidate's protocol (a relay candidate's own protocol is UDP).
  return icePath(local.candidateType, remote.candidateType, local.protocol);
}
