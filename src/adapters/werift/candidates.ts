/**
 * ICE candidate policy: which `a=candidate` lines may leave or enter this device.
 *
 * werift resolves any remote candidate whose host contains `.local` with real mDNS queries, and
 * a hostname would need DNS. So only IP-literal UDP host/srflx/relay candidates pass, and with
 * `loopbackOnly` only loopback ones. Both our outbound SDP and the peer's SDP are filtered, so
 * a hostile peer cannot steer werift into a lookup or onto another interface.
 */
import { isIP } from "node:net";

export interface CandidatePolicy {
  /** Only 127.0.0.0/8 and ::1 may be used at either end. */
  readonly loopbackOnly: boolean;
  /** When set, remote candidates must be of this IP family (4 or 6). */
  readonly family?: 4 | 6;
}

export function isLoopback(host: string): boolean {
  const fam = isIP(host);
  if (fam === 4) return host.startsWith("127.");
  if (fam === 6) return host === "::1" || host === "0:0:0:0:0:0:0:1";
  return false;
}

/** Is a candidate's connection address acceptable under the policy? Never for non-literals. */
export function hostAllowed(host: string, policy: CandidatePolicy): boolean {
  if (host.includes(".local")) return false;
  const fam = isIP(host);
  if (fam === 0) return false;
  if (policy.loopbackOnly) return isLoopback(host);
  if (policy.family !== undefined && fam !== policy.family) return false;
  return true;
}

const CANDIDATE_TYPES = new Set(["host", "srflx", "prflx", "relay"]);

/** RFC 8839 §5.1: `candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> …`. */
export function candidateAllowed(candidate: string, policy: CandidatePolicy): boolean {
  const parts = candidate.trim().split(/\s+/);
  if (parts.length < 8) return false;
  const [, component, transport, priority, address, port, typ, type] = parts;
  if (component !== "1") return false;
  if (transport === undefined || transport.toLowerCase() !== "udp") return false;
  if (priority === undefined || !/^\d{1,10}$/.test(priority)) return false;
  if (port === undefined || !/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) return false;
  if (typ !== "typ" || type === undefined || !CANDIDATE_TYPES.has(type)) return false;
  return address !== undefined && hostAllowed(address, policy);
}

export interface FilteredSdp {
  readonly sdp: string;
  readonly kept: number;
  readonly stripped: number;
}

/** Drop every `a=candidate` line the policy refuses; count what was kept and stripped. */
export function filterSdpCandidates(sdp: string, policy: CandidatePolicy): FilteredSdp {
  let kept = 0;
  let stripped = 0;
  const lines = sdp.split(/\r?\n/).filter((line) => {
    if (!line.startsWith("a=candidate:")) return true;
    if (candidateAllowed(line.slice("a=".length), policy)) {
      kept++;
      return true;
    }
    stripped++;
    return false;
  });
  return { sdp: lines.join("\r\n"), kept, stripped };
}
