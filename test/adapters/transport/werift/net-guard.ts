/**
 * An in-process network recorder for the werift tests: counts every UDP datagram
 * (`dgram.Socket.prototype.send`) by destination and every DNS lookup (`dns.lookup`,
 * `dns.promises.lookup`) by name. Lookups of names that are not IP literals are refused
 * (the callback/promise fails with ENOTFOUND) so even a control run that provokes werift's
 * STUN fallback sends no query to the machine's resolver. `uninstall()` restores everything.
 */
import dgram from "node:dgram";
import dns from "node:dns";
import { isIP } from "node:net";

export interface NetRecord {
  readonly datagrams: Map<string, number>;
  /** Lookups of names (not IP literals): each one would be a query to a resolver. */
  readonly lookups: string[];
  /** Lookups of IP literals: Node's dgram passes every send address through dns.lookup; no query leaves. */
  readonly literalLookups: string[];
  uninstall(): void;
}

export function installNetGuard(): NetRecord {
  const datagrams = new Map<string, number>();
  const lookups: string[] = [];
  const literalLookups: string[] = [];
  const proto = dgram.Socket.prototype as unknown as { send: (...args: unknown[]) => unknown };
  const origSend = proto.send;
  const origLookup = dns.lookup;
  const origPromiseLookup = dns.promises.lookup;

  proto.send = function (this: dgram.Socket, ...args: unknown[]) {
    // send(msg, [offset, length,] port, address, cb): the address is the first string argument.
    const address = args.find((a, i) => i > 0 && typeof a === "string") as string | undefined;
    const key = address ?? "(connected socket)";
    datagrams.set(key, (datagrams.get(key) ?? 0) + 1);
    return origSend.apply(this, args);
  };
  const refuse = (host: string) =>
    Object.assign(new Error(`net-guard refused DNS lookup of ${host}`), { code: "ENOTFOUND", hostname: host });
  (dns as { lookup: unknown }).lookup = function (host: string, ...rest: unknown[]) {
    if (isIP(String(host)) !== 0) {
      literalLookups.push(String(host));
      return (origLookup as (...a: unknown[]) => unknown)(host, ...rest);
    }
    lookups.push(String(host));
    const cb = rest.find((r) => typeof r === "function") as ((e: Error) => void) | undefined;
    if (cb) process.nextTick(cb, refuse(String(host)));
    return undefined;
  };
  (dns.promises as { lookup: unknown }).lookup = async function (host: string, ...rest: unknown[]) {
    if (isIP(String(host)) !== 0) {
      literalLookups.push(String(host));
      return (origPromiseLookup as (...a: unknown[]) => Promise<unknown>)(host, ...rest);
    }
    lookups.push(String(host));
    throw refuse(String(host));
  };
  return {
    datagrams,
    lookups,
    literalLookups,
    uninstall() {
      proto.send = origSend;
      (dns as { lookup: unknown }).lookup = origLookup;
      (dns.promises as { lookup: unknown }).lookup = origPromiseLookup;
    },
  };
}
