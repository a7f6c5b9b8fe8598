/**
 * Two engines in one process pair and sync over werift on loopback (memory signaling carries
 * the sealed SDPs); a channel forced closed mid-session reconnects through the sealed mailbox
 * path with the same keys, and edits made during the gap converge.
 */
import { describe, expect, it } from "vitest";
import { createMemoryNetwork, createSyncEngine, type SyncEngine } from "../../src/runtime/index.js";
import { weriftTransport } from "../../src/adapters/werift/index.js";
import type { Channel, Transport } from "../../src/adapters/transport/types.js";

/** The real werift transport with a tap on the channels it hands the engine. */
function tapped(t: Transport): Transport & { channels: Channel[] } {
  const channels: Channel[] = [];
  return {
    kind: t.kind,
    channels,
    connect: async (o) => {
      const c = await t.connect(o);
      channels.push(c);
      return c;
    },
    close: () => t.close(),
  };
}

/** Resolve when `pred` holds for the engine's state (checked on every state change). */
const until = (e: SyncEngine, pred: (e: SyncEngine) => boolean) =>
  new Promise<void>((resolve) => {
    if (pred(e)) return resolve();
    const sub = e.state$.subscribe(() => {
      if (pred(e)) {
        queueMicrotask(() => sub.unsubscribe());
        resolve();
      }
    });
  });
/** Resolve when a Y.Map key on `e` equals `value` (observed, not polled). */
const seen = (e: SyncEngine, key: string, value: unknown) =>
  new Promise<void>((resolve) => {
    const m = e.doc.getMap("prefs");
    if (m.get(key) === value) return resolve();
    const f = () => {
      if (m.get(key) === value) {
        m.unobserve(f);
        resolve();
      }
    };
    m.observe(f);
  });

function enginePair() {
  const net = createMemoryNetwork({ seed: "werift-engine" });
  const mk = (name: string) => {
    const dev = net.device(name);
    const transport = tapped(weriftTransport({ loopbackOnly: true }));
    return { engine: createSyncEngine({ signaling: dev.signaling, transport, deviceName: name }), transport };
  };
  const A = mk("laptop");
  const B = mk("phone");
  return { a: A.engine, b: B.engine, ta: A.transport };
}

describe("engine over werift (loopback)", () => {
  it("pairs, connects and syncs both ways; reports code-entry-to-first-synced-change time", async () => {
    const { a, b } = enginePair();
    try {
      const { code } = await a.host();
      const t0 = performance.now();
      const joined = b.join(code);
      a.doc.getMap("prefs").set("theme", "dark");
      await joined;
      await seen(b, "theme", "dark");
      console.log(`engine over werift: code entry -> first synced change ${(performance.now() - t0).toFixed(0)} ms`);
      b.doc.getMap("prefs").set("lang", "de");
      await seen(a, "lang", "de");
      expect(a.snapshot().status).toBe("connected");
      expect(a.snapshot().channel?.id).toMatch(/^werift-/);
    } finally {
      await a.end();
      await b.end();
    }
  });

  it("a channel forced closed mid-session reconnects and edits made in the gap converge", async () => {
    const { a, b, ta } = enginePair();
    try {
      const { code } = await a.host();
      await b.join(code);
      await until(a, (e) => e.snapshot().status === "connected");
      await until(b, (e) => e.snapshot().status === "connected");
      a.doc.getMap("prefs").set("before", 1);
      await seen(b, "before", 1);
      const firstId = a.snapshot().channel!.id;
      const epoch = a.snapshot().epoch;
      // Kill the transport underneath: abort a's peer connection with no goodbye.
      const live = ta.channels.at(-1)!;
      expect(live.id).toBe(firstId);
      await (live as unknown as { pc: { close(): Promise<void> } }).pc.close();
      expect(await live.closed).toBe("failed");
      await until(a, (e) => e.snapshot().status !== "connected");
      a.doc.getMap("prefs").set("gapA", "a");
      b.doc.getMap("prefs").set("gapB", "b");
      await until(a, (e) => e.snapshot().status === "connected" && e.snapshot().channel?.id !== firstId);
      await seen(b, "gapA", "a");
      await seen(a, "gapB", "b");
      expect(a.snapshot().epoch).toBe(epoch); // same session keys
      expect(a.doc.getMap("prefs").toJSON()).toEqual(b.doc.getMap("prefs").toJSON());
    } finally {
      await a.end();
      await b.end();
    }
  });
});
