/**
 * Engine-over-werift test setup shared by the werift, mDNS and browser-interop suites (and the
 * werift bench): a loopback pair of engines over memory signaling, a tap on the channels a
 * transport hands its engine, and the two waits every such test needs — until the engine's
 * state satisfies a predicate, and until a Y.Map key holds a value (observed, never polled).
 */
import { createMemoryNetwork, createSyncEngine, type SyncEngine, type SyncEngineOptions } from "../../src/runtime/index.js";
import { weriftTransport, type WeriftTransport } from "../../src/adapters/transport/werift/index.js";
import type { Channel, Transport } from "../../src/adapters/transport/types.js";

/** Resolve when `pred` holds for the engine's state (checked on every state change). */
export const until = (e: SyncEngine, pred: (e: SyncEngine) => boolean) =>
  new Promise<void>((resolve) => {
    if (pred(e)) return resolve();
    const sub = e.state$.subscribe(() => {
      if (pred(e)) {
        queueMicrotask(() => sub.unsubscribe());
        resolve();
      }
    });
  });

/** Resolve when key `key` of Y.Map `map` on `e` equals `value` (observed, not polled). */
export const seenIn = (e: SyncEngine, map: string, key: string, value: unknown) =>
  new Promise<void>((resolve) => {
    const m = e.doc.getMap(map);
    if (m.get(key) === value) return resolve();
    const f = () => {
      if (m.get(key) === value) {
        m.unobserve(f);
        resolve();
      }
    };
    m.observe(f);
  });

/** `seenIn` on the "prefs" map. */
export const seen = (e: SyncEngine, key: string, value: unknown) => seenIn(e, "prefs", key, value);

/** The real transport with a tap on the channels it hands the engine. */
export function tapped<T extends Transport>(t: T): T & { channels: Channel[] } {
  const channels: Channel[] = [];
  return {
    ...t,
    channels,
    connect: async (o) => {
      const c = await t.connect(o);
      channels.push(c);
      return c;
    },
    close: () => t.close(),
  };
}

export interface WeriftEnginePairOptions {
  readonly seed: string;
  /** Device names of the two engines. Default ["a", "b"]. */
  readonly names?: readonly [string, string];
  readonly aead?: SyncEngineOptions["aead"];
}

/** Two engines on one memory network, each over its own loopback-only werift transport (tapped). */
export function weriftEnginePair(options: WeriftEnginePairOptions) {
  const net = createMemoryNetwork({ seed: options.seed });
  const [nameA, nameB] = options.names ?? ["a", "b"];
  const mk = (name: string) => {
    const transport: WeriftTransport & { channels: Channel[] } = tapped(weriftTransport({ loopbackOnly: true })());
    const engine = createSyncEngine({
      signaling: net.device(name).signaling,
      transport,
      deviceName: name,
      ...(options.aead !== undefined ? { aead: options.aead } : {}),
    });
    return { engine, transport };
  };
  const A = mk(nameA);
  const B = mk(nameB);
  return { a: A.engine, b: B.engine, ta: A.transport, tb: B.transport };
}
