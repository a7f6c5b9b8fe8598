/**
 * `lethe-sync/testing`: what people who test with Lethe need, in plain Node (no test runner):
 *
 * - The memory network with its fault controls (`createMemoryNetwork`, `LinkFaults`).
 * - `TestClock`: simulated time with a public `advance` / `pending` / `runNext`.
 * - `createEnginePair` (two engines on one memory network and one TestClock) and `advance` (move
 *   the clock in steps, letting the network deliver between steps).
 * - `probeEngine(engine)`: the engine's live key buffers (to see them zeroed), a hook told of
 *   them before every event and effect, and what is still running. Never in production code.
 *
 * The adapter compliance suites need vitest and live behind `lethe-sync/testing/compliance`.
 */
import type { Aead } from "../adapters/crypto/index.js";
import { createYjsCrdt } from "../adapters/crdt/yjs.js";
import { createSyncEngine } from "../runtime/engine.js";
import { internalsOf } from "../runtime/introspection.js";
import type { SyncEngine, SyncEngineOptions } from "../runtime/types.js";
import type { Timings } from "../machines/protocol.js";
import { createMemoryNetwork, type LinkFaults, type MemoryNetwork, type MemoryTransportLimits } from "./network/index.js";
import { createPrng } from "./network/prng.js";
import { TestClock } from "./test-clock.js";

export { TestClock } from "./test-clock.js";
export { createMemoryNetwork } from "./network/index.js";
export { createPrng, type Prng } from "./network/prng.js";
export type { LinkFaults, MemoryDevice, MemoryNetwork, MemoryNetworkOptions, NetworkStats } from "./network/index.js";

/** What a test may see of an engine's insides (public data and key buffers; never in production). */
export interface EngineProbe {
  /** The key store's live secret buffers. */
  secretBuffers(): readonly Uint8Array[];
  /** Called with the live key buffers now and before every event and effect. Returns unsubscribe. */
  watchSecrets(fn: (buffers: readonly Uint8Array[]) => void): () => void;
  readonly keyStoreWiped: boolean;
  readonly docDestroyed: boolean;
  /** Actors, channels, links and mailboxes still alive (empty once the session has ended). */
  liveResources(): string[];
}

export function probeEngine(engine: SyncEngine): EngineProbe {
  const i = internalsOf(engine);
  return {
    secretBuffers: () => i.keyStore.secretBuffers(),
    watchSecrets: (fn) => i.watchSecrets(fn),
    get keyStoreWiped() {
      return i.keyStore.wiped;
    },
    get docDestroyed() {
      return i.crdt.destroyed;
    },
    liveResources: () => i.liveResources(),
  };
}

/**
 * Move `clock` forward by `ms` in steps of at most `stepMs`, letting the network deliver and the
 * engines react after each step (as real time would: nothing jumps over a reply).
 */
export async function advance(clock: TestClock, network: MemoryNetwork, ms: number, stepMs = 5_000): Promise<void> {
  let left = ms;
  await network.idle();
  while (left > 0) {
    const step = Math.min(stepMs, left);
    clock.advance(step);
    left -= step;
    await network.idle();
  }
}

export interface EnginePairOptions {
  /** Seeds the network's faults and every engine's randomness (keys too: tests only). */
  readonly seed: number | string;
  readonly timings?: Partial<Timings>;
  readonly aead?: Aead;
  readonly names?: readonly [string, string];
  /** Extra options for each engine (clock and adapters are set by the helper). */
  readonly engineOptions?: Partial<Omit<SyncEngineOptions, "transport" | "signaling" | "clock">>;
  readonly faults?: LinkFaults;
  /** Channel limits of the memory network (e.g. a small maxMessageSize to force fragments). */
  readonly limits?: Partial<MemoryTransportLimits>;
}

export interface EnginePair {
  readonly clock: TestClock;
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
  const clock = new TestClock();
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
