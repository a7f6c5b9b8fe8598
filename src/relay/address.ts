/**
 * Who a client is, for the per-address budgets: its address as the relay sees it, or — only
 * when the TCP peer is a proxy the operator trusts (`--trust-proxy ADDR[,ADDR]`) — the address
 * that proxy reports in `Forwarded` (RFC 7239) or `X-Forwarded-For`. Addresses are grouped the
 * way they are handed out: an IPv4 address alone, an IPv6 address by its /64 (one subscriber
 * typically gets a whole /64), an IPv4-mapped IPv6 address as the IPv4 address.
 */
import { BlockList, isIP } from "node:net";

export class TrustProxyError extends Error {
  override readonly name = "TrustProxyError";
}

/** Parse `ADDR[,ADDR]` (addresses or CIDR blocks) into a BlockList of trusted proxies. */
export function trustedProxies(list: readonly string[]): BlockList {
  const trusted = new BlockList();
  for (const raw of list) {
    const entry = raw.trim();
    if (entry === "") continue;
    const [addr = "", bits] = entry.split("/");
    const family = isIP(addr);
    if (family === 0) throw new TrustProxyError(`trust-proxy: not an IP address or CIDR block: ${JSON.stringify(entry).slice(0, 80)}`);
    const type = family === 4 ? "ipv4" : "ipv6";
    if (bits === undefined) trusted.addAddress(addr, type);
    else {
      const prefix = Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) throw new TrustProxyError(`trust-proxy: bad prefix length in ${entry}`);
      trusted.addSubnet(addr, prefix, type);
    }
  }
  return trusted;
}

const isTrusted = (trusted: BlockList, addr: string) => {
  const family = isIP(addr);
  return family !== 0 && trusted.check(addr, family === 4 ? "ipv4" : "ipv6");
};

/** `for=` values of a Forwarded header, in order (quoted, bracketed IPv6 and ports removed). */
function forwardedFor(header: string): string[] {
  const out: string[] = [];
  for (const element of header.split(",")) {
    for (const pair of element.split(";")) {
      const eq = pair.indexOf("=");
      if (eq < 0 || pair.slice(0, eq).trim().toLowerCase() !== "for") continue;
      let v = pair.slice(eq + 1).trim().replace(/^"|"$/g, "");
      if (v.startsWith("[")) v = v.slice(1, v.indexOf("]") > 0 ? v.indexOf("]") : undefined);
      else if (/^[\d.]+:\d+$/.test(v)) v = v.slice(0, v.lastIndexOf(":"));
      out.push(v);
    }
  }
  return out;
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;
const header = (h: Headers, name: string) => {
  const v = h[name];
  return Array.isArray(v) ? v.join(",") : v;
};

/**
 * The client's address: the socket's peer, unless that peer is trusted; then the nearest hop
 * (walking the forwarded chain from the right) that is not itself a trusted proxy.
 */
export function clientAddress(peer: string, headers: Headers, trusted: BlockList | undefined): string {
  if (!trusted || !isTrusted(trusted, peer)) return peer;
  const fwd = header(headers, "forwarded");
  const xff = header(headers, "x-forwarded-for");
  const chain = fwd !== undefined ? forwardedFor(fwd) : (xff ?? "").split(",").map((s) => s.trim());
  for (let i = chain.length - 1; i >= 0; i--) {
    const hop = chain[i]!;
    if (isIP(hop) === 0) return peer; // "unknown", an obfuscated name or garbage: the proxy is who we know
    if (!isTrusted(trusted, hop)) return hop;
  }
  return peer;
}

/** The budget key of an address: IPv4 as is, IPv6 by /64. */
export function addressGroup(addr: string): string {
  // No colon: IPv4 (or a placeholder such as "unknown"), the key as it is.
  if (!addr.includes(":")) return addr;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  if (mapped) return mapped[1]!;
  if (isIP(addr) !== 6) return addr;
  const [head = "", tail = ""] = addr.toLowerCase().split("::");
  const left = head === "" ? [] : head.split(":");
  const right = addr.includes("::") ? (tail === "" ? [] : tail.split(":")) : [];
  const groups = addr.includes("::") ? [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}
