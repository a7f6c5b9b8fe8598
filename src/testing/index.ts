/**
 * `lethe-sync/testing`: what people who test with Lethe need.
 *
 * - The memory network with its fault controls (`createMemoryNetwork`, `LinkFaults`).
 * - Helpers to drive engines under a simulated clock: `createEnginePair` (two engines on one
 *   memory network and one SimulatedClock), `advance` (move the clock in steps, letting the
 *   network deliver between steps), `pendingTimers` (what the clock still has scheduled).
 * - The adapter compliance suites (`transportCompliance`, `signalingCompliance`,
 *   `discoveryCompliance`, `crdtCompliance`), as js-libp2p's interface-compliance-tests: a
 *   third-party adapter proves itself by running the suite from its own vitest file. They import
 *   `vitest`, which the test runner provides.
 */
import { SimulatedClock } from "xstate";
import { createMemoryNetwork, type LinkFaults, type MemoryNetwork, type MemoryTransportLimits } from "./network/index.js";
import type { Aead } from "../adapters/crypto/index.js";
import { createSyncEngine } from "../runtime/engine.js";
import { createYjsCrdt } from "../adapters/crdt/yjs.js";
import { createPrng } from "./network/prng.js";
import type { EngineTimings, SyncEngine, SyncEngineOptions } from "../runtime/types.js";

export { SimulatedClock } from "xstate";
export { createMemoryNetwork, createPrng } from "./network/index.js";
export type { LinkFaults, MemoryDevice, MemoryNetwork, MemoryNetworkOptions, NetworkStats, Prng } from "./network/index.js";
export { transportCompliance, createPipePair, connectPair } from "./compliance/transport.js";
export type { TransportPair, TransportSuiteSetup } from "./compliance/transport.js";
export { signalingCompliance } from "./compliance/signaling.js";
export type { SignalingTrio, SignalingSuiteSetup } from "./compliance/signaling.js";
export { discoveryCompliance } from "./compliance/discovery.js";
export type { DiscoveryPair, DiscoverySuiteSetup } from "./compliance/discovery.js";
export { crdtCompliance } from "./compliance/crdt.js";
export type { CrdtFactory, CrdtSuiteSetup } from "./compliance/crdt.js";

/** Timers the simulated clock still holds (xstate keeps them in a private map). */
export function pendingTimers(clock: SimulatedClock): number {
  return (clock as unknown as { timeouts: Map<unknown, unknown> }).timeouts.size;
}

/**
 * Move `clock` forward by `ms` in steps of at most `stepMs`, letting the network deliver and
 * the engines react after each step (as real time would: nothing jumps over a reply).
 */
export async function advance(clock: SimulatedClock, network: MemoryNetwork, ms: number, stepMs = 5_000): Promise<void> {
  let left = ms;
  await network.idle();
  while (left > 0) {
    const step = Math.min(stepMs, left);
    clock.increment(step);
    left -= step;
    await network.idle();
  }
}

export interface EnginePairOptions {
  /** Seeds the network's faults and every engine's randomness (keys too: tests only). */
  readonly seed: number | string;
  readonly timings?: Partial<EngineTimings>;
  readonly aead?: Aead;
  readonly names?: readonly [string, string];
  /** Extra options for each engine (clock and adapters are set by the helper). */
  readonly engineOptions?: Partial<Omit<SyncEngineOptions, "transport" | "signaling" | "clock">>;
  readonly faults?: LinkFaults;
  /** Channel limits of the memory network (e.g. a small maxMessageSize to force fragments). */
  readonly limits?: Partial<MemoryTransportLimits>;
}

export interface EnginePair {
  readonly clock: SimulatedClock;
  readonly network: MemoryNetwork;
  /** The hosting device. */
  readonly a: SyncEngine;
  /** The joining device. */
  readonly b: SyncEngine;
  readonly names: readonly [string, string];
  /** host on a, join on b with the code; resolves when b is connected and the network is quiet. */
  pair(): Promise<void>;
  /** Let the network deliver everything and the engines react. */
  settle(): Promise<void>;
  advance(ms: number, stepMs?: number): Promise<void>;
}

export function createEnginePair(o: EnginePairOptions): EnginePair {
  const clock = new SimulatedClock();
  const network = createMemoryNetwork({ seed: o.seed, clock, ...(o.limits ? { limits: o.limits } : {}) });
  const names = o.names ?? (["laptop", "phone"] as const);
  // Everything random comes from the seed (keys, code, Yjs client ids), so a failing run replays.
  const prng = createPrng(`engines:${String(o.seed)}`);
  const make = (name: string) =>
    createSyncEngine({
      ...network.device(name),
      random: (n: number) => prng.bytes(n),
      crdt: createYjsCrdt({ clientId: prng.int(1, 2 ** 31) }),
      ...o.engineOptions,
      clock,
      ...(o.timings ? { timings: o.timings } : {}),
      ...(o.aead ? { aead: o.aead } : {}),
    });
  const a = make(names[0]);
  const b = make(names[1]);
  if (o.faults) network.setFaults(names[0], names[1], o.faults);
  return {
    clock,
    network,
    a,
    b,
    names,
    async pair() {
      const { code } = await a.host();
      await b.join(code);
      await network.idle();
    },
    settle: () => network.idle(),
    advance: (ms, stepMs) => advance(clock, network, ms, stepMs),
  };
}
