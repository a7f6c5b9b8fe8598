/**
 * Two paired engines (createSyncEngine) in this process, over the werift adapter on loopback or
 * over the in-memory network, with signaling through the in-memory relay (signaling is not on
 * the measured path except in the pairing wall time, where a real relay would add its RTTs).
 *
 * The transport is wrapped to count frames and bytes handed to the channel, so throughput rows
 * can give wire MB/s and the latency floor can use the engine's real frame size.
 */
import type { Transport } from "../../src/adapters/transport/types.js";
import type { SyncEngine } from "../../src/runtime/types.js";
import { loadCrypto, loadRuntime, loadWerift } from "./pieces.js";
import { nowMs } from "./stats.js";
import type { DocPair } from "./yjs-drivers.js";

export interface WireCounter {
  frames: number;
  bytes: number;
}

export interface EnginePair {
  readonly a: SyncEngine;
  readonly b: SyncEngine;
  /** The two engines' docs, for the Yjs drivers. */
  readonly docs: DocPair;
  /** join(code) on B until B's doc holds a value A set before the join. */
  readonly codeToFirstChangeMs: number;
  /** Frames/bytes A's channel was handed (A → B). */
  readonly wireA: WireCounter;
  close(): Promise<void>;
}

export interface EnginePairOptions {
  readonly transport: "werift" | "memory";
  readonly aead: "node" | "noble";
  readonly seed?: number;
}

/**
 * Counts the frames and bytes handed to each channel by replacing the channel's own `send` (an
 * own property over the class method). Every other property is the channel's, read directly: a
 * Proxy here would put a trap (and a fresh bound function) on every property the engine reads per
 * frame, a cost the bare baselines do not pay.
 */
function counting(t: Transport, wire: WireCounter): Transport {
  return {
    kind: t.kind,
    close: () => t.close(),
    async connect(opts) {
      const ch = await t.connect(opts);
      const send = ch.send.bind(ch);
      Object.defineProperty(ch, "send", {
        value: (data: Uint8Array) => {
          wire.frames++;
          wire.bytes += data.length;
          send(data);
        },
      });
      return ch;
    },
  };
}

let seedCounter = 1;

export async function createEnginePair(o: EnginePairOptions): Promise<EnginePair> {
  const runtime = await loadRuntime();
  const crypto = await loadCrypto();
  const werift = o.transport === "werift" ? await loadWerift() : undefined;
  const net = runtime.createMemoryNetwork({ seed: o.seed ?? seedCounter++ });
  const aead = o.aead === "node" ? crypto.nodeAead : crypto.nobleAead;
  const wireA: WireCounter = { frames: 0, bytes: 0 };
  const wireB: WireCounter = { frames: 0, bytes: 0 };
  const transport = (name: string) =>
    werift ? werift.weriftTransport({ loopbackOnly: true })() : net.device(name).transport;
  const a = runtime.createSyncEngine({
    transport: counting(transport("a"), wireA),
    signaling: net.device("a").signaling,
    aead,
    deviceName: "a",
  });
  const b = runtime.createSyncEngine({
    transport: counting(transport("b"), wireB),
    signaling: net.device("b").signaling,
    aead,
    deviceName: "b",
  });
  try {
    const { code } = await a.host();
    a.doc.getMap<string>("hello").set("first", "change");
    const bMap = b.doc.getMap<string>("hello");
    const t0 = nowMs();
    const arrived = new Promise<void>((resolve) => {
      const check = () => {
        if (bMap.get("first") === "change") {
          bMap.unobserve(check);
          resolve();
        }
      };
      bMap.observe(check);
    });
    await Promise.all([b.join(code), arrived]);
    const codeToFirstChangeMs = nowMs() - t0;
    return {
      a,
      b,
      docs: { a: a.doc, b: b.doc },
      codeToFirstChangeMs,
      wireA,
      async close() {
        await Promise.all([a.end(), b.end()]);
      },
    };
  } catch (e) {
    await Promise.allSettled([a.end(), b.end()]);
    throw e;
  }
}
