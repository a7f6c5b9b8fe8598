/**
 * ICE candidate policy for the browser transport: which `a=candidate` lines may leave or enter.
 *
 * Chromium hides host addresses behind `<uuid>.local` mDNS names by default, and resolves a
 * peer's `.local` names with real multicast queries; werift does the same on its side. Neither
 * may happen (promise: only the peers' own traffic), so `.local` and any other hostname are
 * stripped in both directions: only IP-literal UDP candidates pass. With `loopbackOnly`, only
 * 127.0.0.0/8 and ::1 pass (tests inside a private network namespace).
 *
 * No `node:net` here (browser entry): the IP checks are small, strict regular expressions.
 */

export interface BrowserCandidatePolicy {
  readonly loopbackOnly: boolean;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
// Hex groups and colons, at most one "::", optionally ending in a dotted quad; checked further below.
const IPV6_CHARS = /^[0-9a-fA-F:.]+$/;

export function ipFamily(host: string): 0 | 4 | 6 {
  if (IPV4.test(host)) return 4;
  if (!IPV6_CHARS.test(host) || !host.includes(":")) return 0;
  const halves = host.split("::");
  if (halves.length > 2) return 0;
  // Each side of "::" (or the whole address) is colon-separated groups, none of them empty.
  const sides = halves.map((h) => (h === "" ? [] : h.split(":")));
  if (sides.some((groups) => groups.some((g) => g === ""))) return 0;
  const groups = sides.flat();
  const last = groups.at(-1);
  const v4tail = last !== undefined && last.includes(".");
  if (v4tail && (!IPV4.test(last) || sides.at(-1)?.at(-1) !== last)) return 0;
  const hexGroups = v4tail ? groups.slice(0, -1) : groups;
  if (!hexGroups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return 0;
  const width = hexGroups.length + (v4tail ? 2 : 0);
  if (halves.length === 1 ? width !== 8 : width > 7) return 0;
  return 6;
}

export function isLoopback(host: string): boolean {
  const fam = ipFamily(host);
  if (fam === 4) return host.startsWith("127.");
  if (fam === 6) return host === "::1" || host === "0:0:0:0:0:0:0:1";
  return false;
}

const CANDIDATE_TYPES = new Set(["host", "srflx", "prflx", "relay"]);

/** RFC 8839 §5.1: `candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> …`. */
export function candidateAllowed(candidate: string, policy: BrowserCandidatePolicy): boolean {
  const parts = candidate.trim().split(/\s+/);
  if (parts.length < 8) return false;
  const [, component, transport, priority, address, port, typ, type] = parts;
  if (component !== "1") return false;
  if (transport === undefined || transport.toLowerCase() !== "udp") return false;
  if (priority === undefined || !/^\d{1,10}$/.test(priority)) return false;
  if (port === undefined || !/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) return false;
  if (typ !== "typ" || type === undefined || !CANDIDATE_TYPES.has(type)) return false;
  if (address === undefined || ipFamily(address) === 0) return false; // `.local` and hostnames
  return policy.loopbackOnly ? isLoopback(address) : true;
}

export interface FilteredSdp {
  readonly sdp: string;
  readonly kept: number;
  readonly stripped: number;
}

/** Drop every `a=candidate` line the policy refuses (and `a=end-of-candidates` stays); count both. */
export function filterSdpCandidates(sdp: string, policy: BrowserCandidatePolicy): FilteredSdp {
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
