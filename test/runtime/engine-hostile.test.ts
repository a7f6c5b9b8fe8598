/**
 * Hostile input at engine level (DESIGN §1.6): garbage on the nameplate mailbox while pairing,
 * on the private signaling mailbox, and on the data channel is decoded, refused with a typed,
 * counted error on events$, and never crashes the engine or touches the doc.
 */
import { describe, expect, it } from "vitest";
import { merge, ReplaySubject, Subject } from "rxjs";
import type { Signaling, SignalingSession } from "../../src/adapters/signaling/types.js";
import type { Channel, Transport } from "../../src/adapters/transport/types.js";
import { createSyncEngine, type EngineEvent } from "../../src/runtime/index.js";
import { createMemoryNetwork, TestClock } from "../../src/testing/index.js";

/** Signaling whose sessions also deliver whatever the test pushes into `garbage`. */
function leakySignaling(inner: Signaling, garbage: Subject<Uint8Array>): Signaling {
  const wrap = (s: SignalingSession): SignalingSession => ({
    nameplate: s.nameplate,
    peerJoined: s.peerJoined,
    messages$: merge(s.messages$, garbage),
    send: (b) => s.send(b),
    close: () => s.close(),
  });
  return {
    kind: "leaky",
    host: async (o) => wrap(await inner.host(o)),
    join: async (n, o) => wrap(await inner.join(n, o)),
    mailbox: async (id, side, o) => wrap(await inner.mailbox(id, side, o)),
    close: () => inner.close(),
  };
}

/** A transport whose channels also deliver whatever the test pushes into `garbage`. */
function leakyTransport(inner: Transport, garbage: Subject<Uint8Array>): Transport {
  return {
    kind: "leaky",
    connect: async (o) => {
      const c = await inner.connect(o);
      const wrapped: Channel = Object.create(c, { messages$: { value: merge(c.messages$, garbage) } });
      return wrapped;
    },
    close: () => inner.close(),
  };
}

const errorsOf = (events: EngineEvent[]) =>
  events.filter((e): e is Extract<EngineEvent, { type: "error" }> => e.type === "error");

describe("engine: hostile input", () => {
  it("garbage on signaling after pairing and on the channel is counted; the session works on", async () => {
    const clock = new TestClock();
    const net = createMemoryNetwork({ seed: "hostile", clock });
    const sigGarbage = new ReplaySubject<Uint8Array>(); // replays into sessions opened later
    const chanGarbage = new Subject<Uint8Array>();
    const devB = net.device("phone");
    const a = createSyncEngine({ ...net.device("laptop"), clock });
    const b = createSyncEngine({
      ...devB,
      signaling: leakySignaling(devB.signaling, sigGarbage),
      transport: leakyTransport(devB.transport, chanGarbage),
      clock,
    });
    const eb: EngineEvent[] = [];
    b.events$.subscribe((e) => eb.push(e));
    const { code } = await a.host();
    const joined = b.join(code);
    // (Junk while pairing burns the code at once: test/adapters/discovery/mdns/pairing-spoofer.test.ts.)
    await joined;
    await net.idle();
    expect(b.snapshot().status).toBe("connected");
    // after pairing: the mailbox gets undecodable envelopes and blobs that are not sealed by the peer
    sigGarbage.next(new Uint8Array([0xff, 0xff]));
    sigGarbage.next(new Uint8Array([1, 1, 5, 1, 2, 3, 4, 5]));
    sigGarbage.next(new Uint8Array(40).fill(7));
    sigGarbage.next(new Uint8Array([1]));
    // the channel gets frames that are not the peer's: bad header, forged, truncated
    chanGarbage.next(new Uint8Array(64).fill(1));
    chanGarbage.next(new Uint8Array([9, 9, 9]));
    chanGarbage.next(Uint8Array.from({ length: 100 }, (_, i) => (i === 0 ? 1 : i === 1 ? 1 : i)));
    await net.idle();
    const names = errorsOf(eb).map((e) => `${e.source}:${e.name}`);
    expect(names.some((n) => n.startsWith("signal:"))).toBe(true);
    expect(names.some((n) => n.startsWith("frame:"))).toBe(true);
    expect(errorsOf(eb).every((e) => !e.fatal)).toBe(true);
    expect(Object.keys(b.snapshot().counters).some((k) => k.startsWith("error.frame."))).toBe(true);
    // and the session still syncs
    a.doc.getMap("prefs").set("still", "fine");
    await net.idle();
    expect(b.doc.getMap("prefs").get("still")).toBe("fine");
    expect(b.snapshot().status).toBe("connected");
    await a.end();
    await net.idle();
    expect(await b.ended).toBe("peerEnded");
  });
});
