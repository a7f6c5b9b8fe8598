/**
 * Loopback network guard for every bench process.
 *
 * The bench must never leave the machine (werift 0.25 even falls back to Google's STUN server
 * when `iceServers` is empty, after a DNS lookup: perf-baselines.md §"Network"). So before any
 * workload runs, this wraps `dgram.Socket#send`, `net.Socket#connect`, `dns.lookup` and
 * `dns.promises.lookup`, and throws on any destination or name that is not loopback. It also
 * counts what went out, so results.json can show the run stayed on 127.0.0.1.
 */
import dgram from "node:dgram";
import dns from "node:dns";
import net from "node:net";

export interface GuardStats {
  udpSends: number;
  tcpConnects: number;
  lookups: number;
  blocked: number;
  blockedWhat: string[];
}

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "::1", "::ffff:127.0.0.1"]);

export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined || host === "") return true; // Node's default for both is localhost
  if (LOOPBACK_NAMES.has(host)) return true;
  if (net.isIPv4(host)) return host.startsWith("127.");
  return false;
}

export class NonLoopbackError extends Error {
  override readonly name = "NonLoopbackError";
}

let installed: GuardStats | undefined;

/** Install once per process (idempotent); returns the live counters. */
export function installLoopbackGuard(): GuardStats {
  if (installed) return installed;
  const stats: GuardStats = { udpSends: 0, tcpConnects: 0, lookups: 0, blocked: 0, blockedWhat: [] };
  const block = (what: string): NonLoopbackError => {
    stats.blocked++;
    if (stats.blockedWhat.length < 20) stats.blockedWhat.push(what);
    return new NonLoopbackError(`bench loopback guard refused ${what}`);
  };

  const udp = dgram.Socket.prototype as unknown as { send: (...args: unknown[]) => unknown };
  const origSend = udp.send;
  udp.send = function (this: dgram.Socket, ...args: unknown[]) {
    // send(msg, [offset, length,] port, [address], [cb]): the address is the first string after msg.
    const address = args.find((a, i) => i > 0 && typeof a === "string") as string | undefined;
    if (!isLoopbackHost(address)) throw block(`UDP to ${address}`);
    stats.udpSends++;
    return origSend.apply(this, args);
  };

  const tcp = net.Socket.prototype as unknown as { connect: (...args: unknown[]) => unknown };
  const origConnect = tcp.connect;
  tcp.connect = function (this: net.Socket, ...args: unknown[]) {
    // Node calls connect([options, cb]) internally (normalized args), or connect(options | port, host).
    const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
    let host: string | undefined;
    let path: string | undefined;
    if (first !== null && typeof first === "object") {
      host = (first as { host?: string }).host;
      path = (first as { path?: string }).path;
    } else if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
      host = typeof args[1] === "string" ? args[1] : undefined;
    } else if (typeof first === "string") path = first;
    if (path === undefined && !isLoopbackHost(host)) throw block(`TCP to ${host}`);
    stats.tcpConnects++;
    return origConnect.apply(this, args);
  };

  const origLookup = dns.lookup as unknown as (...a: unknown[]) => unknown;
  (dns as { lookup: unknown }).lookup = function (host: string, ...rest: unknown[]) {
    stats.lookups++;
    if (!isLoopbackHost(String(host))) {
      const err = block(`DNS lookup of ${host}`);
      const cb = rest.find((r) => typeof r === "function") as ((e: Error) => void) | undefined;
      if (cb) {
        process.nextTick(cb, Object.assign(err, { code: "ENOTFOUND" }));
        return undefined;
      }
      throw err;
    }
    return origLookup(host, ...rest);
  };
  const origPromiseLookup = dns.promises.lookup as unknown as (...a: unknown[]) => Promise<unknown>;
  (dns.promises as { lookup: unknown }).lookup = async function (host: string, ...rest: unknown[]) {
    stats.lookups++;
    if (!isLoopbackHost(String(host))) throw Object.assign(block(`DNS lookup of ${host}`), { code: "ENOTFOUND" });
    return origPromiseLookup(host, ...rest);
  };
  installed = stats;
  return stats;
}
