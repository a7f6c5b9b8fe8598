/**
 * `mdnsDiscovery`: the Discovery contract over multicast DNS (bonjour-service).
 *
 * One Bonjour instance per Discovery, created on first use and bound as api-facts §8 requires:
 * `{ interface: ADDR, bind: "0.0.0.0" }` (a socket bound to a unicast address never receives
 * the 224.0.0.251 group). advertise() publishes `_lethe._tcp` with TXT {v, np, port}; withdraw
 * sends a goodbye (`service.stop`), close() sends goodbyes for all and then destroys
 * (`unpublishAll(() => destroy())`: destroy alone says nothing and peers keep a stale entry).
 * While anything is advertised, SIGINT/SIGTERM withdraw first and then let the signal take its
 * usual course. find() browses until a valid record with the nameplate appears; hostile or odd
 * records (wrong version, oversized TXT, bad fields, a second endpoint for a nameplate already
 * seen) are ignored and counted in `rejected`.
 *
 * `mdnsDiscovery(init)` checks `init` and returns a factory of the engine's components: find()'s
 * timeout runs on `components.clock`, the random instance tag comes from `components.random`.
 * bonjour-service is an optional peer dependency, loaded on the first advertise() or find()
 * (MissingDependencyError when it is not installed).
 */
import { isIP } from "node:net";
import type { Bonjour, Browser, Service } from "bonjour-service";
import { defaultComponents, type AdapterFactory, type Components } from "../../components.js";
import { importOptional } from "../../../optional-dependency.js";
import {
  DiscoveryError,
  DiscoveryTimeoutError,
  type Advertisement,
  type Discovery,
  type ServiceRecord,
} from "../types.js";
import { ADVERTISED_NAME, PROTOCOL_VERSION, SERVICE_TYPE, validateService, type BrowsedService, type RejectReason } from "./record.js";

export interface MdnsDiscoveryOptions {
  /** The IPv4 address of the interface to use for multicast (default 127.0.0.1 is refused: pass one). */
  readonly interface?: string;
  /** Socket bind address; default 0.0.0.0 (needed to receive the multicast group). */
  readonly bind?: string;
  /** Default find() timeout. Default 10 s. */
  readonly timeoutMs?: number;
}

export interface MdnsDiscovery extends Discovery {
  /** Records seen by the browser that were valid but for another nameplate (not an error). */
  readonly foreign: number;
}

class DiscoveryClosedError extends DiscoveryError {
  override readonly name = "DiscoveryClosedError";
}
class DiscoveryAbortedError extends DiscoveryError {
  override readonly name = "DiscoveryAbortedError";
}
export class DiscoveryRecordError extends DiscoveryError {
  override readonly name = "DiscoveryRecordError";
}
export { DiscoveryClosedError, DiscoveryAbortedError };

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

const hexOf = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

export function mdnsDiscovery(options: MdnsDiscoveryOptions = {}): AdapterFactory<MdnsDiscovery> {
  const iface = options.interface;
  if (iface !== undefined && isIP(iface) !== 4) throw new TypeError("mdnsDiscovery: interface must be an IPv4 address");
  const defaultTimeout = options.timeoutMs ?? 10_000;
  return (components = defaultComponents) => createMdnsDiscovery(iface, options.bind ?? "0.0.0.0", defaultTimeout, components);
}

function createMdnsDiscovery(iface: string | undefined, bind: string, defaultTimeout: number, { clock, random }: Components): MdnsDiscovery {
  const rejected: Record<string, number> = {};
  let foreign = 0;
  let bonjour: Bonjour | undefined;
  let closed = false;
  const published = new Set<Service>();
  const pending = new Set<(e: Error) => void>();
  const withdrawals = new Set<() => void>();
  const count = (reason: RejectReason) => (rejected[reason] = (rejected[reason] ?? 0) + 1);

  const instance = async (): Promise<Bonjour> => {
    if (closed) throw new DiscoveryClosedError("discovery is closed");
    const { Bonjour } = await importOptional("bonjour-service", () => import("bonjour-service"));
    if (closed) throw new DiscoveryClosedError("discovery is closed");
    bonjour ??= new Bonjour(
      { ...(iface !== undefined ? { interface: iface } : {}), bind } as never,
      () => undefined, // socket errors surface as timeouts on find(); never crash the host
    );
    return bonjour;
  };

  // Withdraw on SIGINT/SIGTERM, then re-raise the signal if nobody else handles it.
  const onSignal = (sig: NodeJS.Signals) => {
    detachSignals();
    closed = true;
    for (const fail of [...pending]) fail(new DiscoveryClosedError("process is exiting"));
    void shutdown().then(() => {
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    });
  };
  let signalsAttached = false;
  const attachSignals = () => {
    if (signalsAttached) return;
    signalsAttached = true;
    for (const s of SIGNALS) process.on(s, onSignal);
  };
  const detachSignals = () => {
    if (!signalsAttached) return;
    signalsAttached = false;
    for (const s of SIGNALS) process.off(s, onSignal);
  };

  async function advertise(record: Omit<ServiceRecord, "version">): Promise<Advertisement> {
    if (typeof record.nameplate !== "string" || !ADVERTISED_NAME.test(record.nameplate)) {
      throw new DiscoveryRecordError("nameplate must be 1-32 letters, digits or dashes");
    }
    if (!Number.isInteger(record.port) || record.port < 1 || record.port > 65535) {
      throw new DiscoveryRecordError("port must be an integer in 1..65535");
    }
    if (typeof record.address !== "string" || isIP(record.address) === 0) {
      throw new DiscoveryRecordError("address must be an IP address");
    }
    const b = await instance();
    // A random instance name and host: no device name or hostname leaks into the LAN.
    const tag = hexOf(random(4));
    const service = b.publish({
      name: `lethe-${record.nameplate}-${tag}`,
      host: `lethe-${tag}.local`,
      type: SERVICE_TYPE,
      protocol: "tcp",
      port: record.port,
      txt: { v: String(PROTOCOL_VERSION), np: record.nameplate, port: String(record.port) },
      disableIPv6: true,
    });
    published.add(service);
    attachSignals();
    let withdrawn: Promise<void> | undefined;
    return {
      withdraw: () =>
        (withdrawn ??= new Promise<void>((resolve) => {
          published.delete(service);
          if (published.size === 0) detachSignals();
          if (closed || bonjour === undefined) return resolve(); // close() sent goodbyes for everything
          // If close() destroys the socket before this goodbye goes out, close() settles us.
          withdrawals.add(resolve);
          service.stop(() => {
            withdrawals.delete(resolve);
            resolve();
          });
        })),
    };
  }

  async function find(nameplate: string, opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<ServiceRecord> {
    if (typeof nameplate !== "string" || !ADVERTISED_NAME.test(nameplate)) throw new DiscoveryRecordError("not a nameplate");
    if (opts.signal?.aborted) throw new DiscoveryAbortedError("find aborted");
    const b = await instance();
    if (opts.signal?.aborted) throw new DiscoveryAbortedError("find aborted");
    return new Promise<ServiceRecord>((resolve, reject) => {
      const seen = new Map<string, string>(); // fqdn -> endpoint, to spot a second endpoint
      let browser: Browser | undefined;
      let firstEndpoint: string | undefined;
      const finish = (err: Error | undefined, rec?: ServiceRecord) => {
        clock.clearTimeout(timer);
        pending.delete(fail);
        opts.signal?.removeEventListener("abort", onAbort);
        browser?.stop();
        if (err) reject(err);
        else resolve(rec!);
      };
      const fail = (e: Error) => finish(e);
      const onAbort = () => fail(new DiscoveryAbortedError("find aborted"));
      const timeoutMs = opts.timeoutMs ?? defaultTimeout;
      const timer = clock.setTimeout(() => fail(new DiscoveryTimeoutError(`no device advertises nameplate ${nameplate}`)), timeoutMs);
      pending.add(fail);
      opts.signal?.addEventListener("abort", onAbort, { once: true });
      const consider = (s: Service) => {
        const v = validateService(s as unknown as BrowsedService);
        if (typeof v === "string") return void count(v);
        if (v.nameplate !== nameplate) return void foreign++;
        const endpoint = `${v.address}:${v.port}`;
        const prior = seen.get(v.fqdn);
        seen.set(v.fqdn, endpoint);
        if (firstEndpoint !== undefined && endpoint !== firstEndpoint) return void count("duplicate");
        if (prior !== undefined && prior !== endpoint) return void count("duplicate");
        firstEndpoint = endpoint;
        finish(undefined, { version: v.version, nameplate: v.nameplate, address: v.address, port: v.port });
      };
      browser = b.find({ type: SERVICE_TYPE, protocol: "tcp" });
      browser.on("up", consider);
      browser.on("txt-update", consider);
      browser.on("srv-update", consider);
    });
  }

  function shutdown(): Promise<void> {
    const b = bonjour;
    bonjour = undefined;
    published.clear();
    const settle = () => {
      for (const w of [...withdrawals]) w();
      withdrawals.clear();
    };
    if (!b) {
      settle();
      return Promise.resolve();
    }
    return new Promise<void>((resolve) =>
      b.unpublishAll(() =>
        b.destroy(() => {
          settle();
          resolve();
        }),
      ),
    );
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    detachSignals();
    for (const fail of [...pending]) fail(new DiscoveryClosedError("discovery closed"));
    await shutdown();
  }

  return {
    kind: "mdns",
    advertise,
    find,
    close,
    get rejected() {
      return { ...rejected };
    },
    get foreign() {
      return foreign;
    },
  };
}
