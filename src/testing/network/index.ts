/**
 * `createMemoryNetwork({ seed })`: every adapter kind in memory, with fault controls.
 *
 *   const net = createMemoryNetwork({ seed: 42 });
 *   const a = createSyncEngine({ ...net.device("laptop") });
 *   const b = createSyncEngine({ ...net.device("phone") });
 *   net.setFaults("laptop", "phone", { drop: 0.1, reorder: 0.1 });
 *   net.partition("laptop", "phone"); … net.heal(); net.clearFaults();
 *
 * See network.ts for how time works here (delivery rounds on microtasks, no wall clock).
 */
import type { Discovery } from "../../adapters/discovery/types.js";
import type { Signaling } from "../../adapters/signaling/types.js";
import type { Transport } from "../../adapters/transport/types.js";
import { createMemoryDiscovery, MemoryDirectory } from "../../adapters/discovery/memory/discovery.js";
import { systemClock, type Clock } from "../../clock.js";
import { NetworkCore, type LinkFaults, type NetworkStats } from "./core.js";
import { createMemorySignaling, MemoryRelay } from "../../adapters/signaling/memory/signaling.js";
import { createMemoryTransport, DEFAULT_MEMORY_LIMITS, MemoryTransportHub, type MemoryTransportLimits } from "../../adapters/transport/memory/transport.js";

export type { LinkFaults, NetworkStats } from "./core.js";
export type { MemoryTransportLimits } from "../../adapters/transport/memory/transport.js";

export interface MemoryNetworkOptions {
  /** Everything random (faults, ids, nameplates) comes from this seed. */
  readonly seed: number | string;
  /** Deliver on microtasks as soon as something is queued (default true); false = only flush()/step(). */
  readonly autoFlush?: boolean;
  /** Clock for discovery timeouts; pass the engine's clock (a TestClock in tests). Default: the wall clock. */
  readonly clock?: Clock;
  /** Channel limits (defaults: 256 KiB max message, HWM 64 KiB, LWM 16 KiB). */
  readonly limits?: Partial<MemoryTransportLimits>;
}

/** What `network.device(name)` returns: spread it into createSyncEngine. */
export interface MemoryDevice {
  readonly transport: Transport;
  readonly signaling: Signaling;
  readonly discovery: Discovery;
  readonly deviceName: string;
}

export interface MemoryNetwork {
  readonly seed: number | string;
  /** Adapters for the device `name` (fresh objects per call, sharing the device's network state). */
  device(name: string): MemoryDevice;
  /** Faults on the link between two devices; with no names, the default for every link. */
  setFaults(faults: LinkFaults): void;
  setFaults(a: string, b: string, faults: LinkFaults): void;
  /** Cut the two devices apart: open channels between them fail, new ones are refused. */
  partition(a: string, b: string): void;
  /** Remove every partition (links work again; faults set with setFaults stay). */
  heal(): void;
  /** Remove every fault (links are perfect again). */
  clearFaults(): void;
  /** Deliver everything queued now (ignoring delays). Returns deliveries made. */
  flush(): number;
  /** One delivery round. */
  step(): number;
  /** Resolves once nothing is queued and the engines had a macrotask turn to react. */
  idle(maxTurns?: number): Promise<void>;
  /** Plant a raw (possibly malformed) discovery record, as a stranger on the LAN could. */
  injectRecord(raw: unknown): void;
  readonly pending: number;
  readonly stats: Readonly<NetworkStats>;
}

export function createMemoryNetwork(options: MemoryNetworkOptions): MemoryNetwork {
  const core = new NetworkCore(options.seed, options.autoFlush ?? true, options.clock ?? systemClock);
  const hub = new MemoryTransportHub(core, { ...DEFAULT_MEMORY_LIMITS, ...options.limits });
  const relay = new MemoryRelay(core);
  const dir = new MemoryDirectory(core);

  return {
    seed: options.seed,
    device(name) {
      if (typeof name !== "string" || name.length === 0) throw new TypeError("a device needs a name");
      // Fresh adapter objects on every call (an engine closes the adapters it was given when
      // it ends); they share the network's state under the device name.
      return {
        deviceName: name,
        transport: createMemoryTransport(hub, name),
        signaling: createMemorySignaling(relay, name),
        discovery: createMemoryDiscovery(dir, name),
      };
    },
    setFaults(a: string | LinkFaults, b?: string, f?: LinkFaults) {
      if (typeof a === "string") core.setFaults(a, b, f ?? {});
      else core.setFaults(undefined, undefined, a);
    },
    partition: (a, b) => core.partition(a, b),
    heal: () => core.heal(),
    clearFaults: () => core.clearFaults(),
    flush: () => core.flush(),
    step: () => core.step(),
    async idle(maxTurns = 10_000) {
      // Macrotask turns (setImmediate), not sleeps: each lets promise chains in the engines run.
      let quiet = 0;
      for (let i = 0; i < maxTurns && quiet < 3; i++) {
        await new Promise<void>((r) => setImmediate(r));
        if (core.pending === 0) quiet++;
        else {
          quiet = 0;
          if (!core.autoFlush) core.step();
        }
      }
    },
    injectRecord: (raw) => {
      dir.publish(raw, undefined);
    },
    get pending() {
      return core.pending;
    },
    get stats() {
      return { ...core.stats };
    },
  };
}
