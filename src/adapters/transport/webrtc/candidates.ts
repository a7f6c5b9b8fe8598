/**
 * ICE candidate policy shared by the WebRTC transports (werift in Node, RTCPeerConnection in
 * browsers): which `a=candidate` lines may leave or enter this device.
 *
 * Both stacks resolve a peer's `.local` names with real multicast queries (Chromium also hides
 * its own host addresses behind `<uuid>.local`), and any other hostname would need DNS. Neither
 * may happen (promise: only the peers' own traffic), so `.local` and hostnames are stripped in
 * both directions: only IP-literal UDP host/srflx/prflx/relay candidates on component 1 pass.
 * With `loopbackOnly`, only 127.0.0.0/8 and ::1; with `family`, only that IP family. Both our
 * outbound SDP and the peer's are filtered, so a hostile peer cannot steer the stack into a
 * lookup or onto another interface.
 *
 * Browser-safe: no `node:net` (the browser entry must not import node:*), so the IP-literal
 * check is a small strict parser. It matches `net.isIP` except that IPv6 zone ids
 * (`fe80::1%eth0`) are refused: they name an interface of the sender and mean nothing to a peer.
 */

export interface CandidatePolicy {
  /** Only 127.0.0.0/8 and ::1 may be used at either end. */
  readonly loopbackOnly: boolean;
  /** When set, candidates must be of this IP family (4 or 6). */
  readonly family?: 4 | 6;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
// Hex groups and colons, at most one "::", optionally ending in a dotted quad; checked further below.
const IPV6_CHARS = /^[0-9a-fA-F:.]+$/;

/** 4 or 6 for an IP literal, 0 for anything else (hostnames, `.local`, zone ids). */
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

/** Is a candidate's connection address acceptable under the policy? Never for non-literals. */
export function hostAllowed(host: string, policy: CandidatePolicy): boolean {
  const fam = ipFamily(host);
  if (fam === 0) return false; // `.local` and hostnames
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

/** Drop every `a=candidate` line the policy refuses (`a=end-of-candidates` stays); count both. */
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
