/**
 * Two engines on one private-namespace LAN (run by test/adapters/discovery/mdns/engine.test.ts): they find each
 * other through real multicast mDNS, pair over LAN signaling (SPAKE2 over the host's
 * WebSocket), re-signal over the sealed mailbox, open werift channels pinned to the interface
 * and sync. No relay and no other server.
 */
import { expect, it } from "vitest";
import { Bonjour, type Service } from "bonjour-service";
import { createSyncEngine } from "../../../../../src/runtime/index.js";
import { lanSignaling, mdnsDiscovery } from "../../../../../src/adapters/discovery/mdns/index.js";
import { weriftTransport } from "../../../../../src/adapters/transport/werift/index.js";
import { WebSocketServer } from "ws";
import { generateCode } from "../../../../../src/adapters/crypto/index.js";
import { assertPrivateNetns } from "./guard.js";
import { seen } from "../../../../helpers/werift-engines.js";

assertPrivateNetns();
const IFACE = "127.0.0.1";

function device(name: string, pairingTimeoutMs?: number) {
  const discovery = mdnsDiscovery({ interface: IFACE })();
  const signaling = lanSignaling({ discovery, interface: IFACE })();
  const engine = createSyncEngine({
    signaling,
    transport: weriftTransport({ interfaceAddress: IFACE }),
    deviceName: name,
    ...(pairingTimeoutMs !== undefined ? { timings: { pairingTimeoutMs } } : {}),
  });
  return { engine, discovery };
}

it("two engines discover each other over mDNS, pair over LAN signaling and sync over werift", async () => {
  const a = device("laptop");
  const b = device("phone");
  // A bystander's browser: the nameplate's advertisement must go down once pairing completes.
  const watcher = new Bonjour({ interface: IFACE, bind: "0.0.0.0" } as never);
  const downs: string[] = [];
  const wentDown = new Map<string, () => void>();
  const browser = watcher.find({ type: "lethe", protocol: "tcp" });
  browser.on("down", (svc: Service) => {
    const np = (svc.txt as Record<string, string> | undefined)?.np ?? "";
    downs.push(np);
    wentDown.get(np)?.();
  });
  try {
    const t0 = performance.now();
    const { code } = await a.engine.host();
    const nameplate = code.split("-")[0]!;
    const down = new Promise<void>((r) => (downs.includes(nameplate) ? r() : wentDown.set(nameplate, r)));
    a.engine.doc.getMap("prefs").set("theme", "dark");
    await b.engine.join(code);
    await seen(b.engine, "theme", "dark");
    console.log(`LAN (mDNS + WebSocket + werift): host() -> first synced change ${(performance.now() - t0) | 0} ms`);
    b.engine.doc.getMap("prefs").set("lang", "de");
    await seen(a.engine, "lang", "de");
    expect(a.engine.doc.getMap("prefs").toJSON()).toEqual({ theme: "dark", lang: "de" });
    expect(a.engine.snapshot().status).toBe("connected");
    await down; // withdrawn at pairing, while the session goes on
    expect(a.engine.snapshot().status).toBe("connected");
  } finally {
    await new Promise<void>((r) => watcher.destroy(() => r()));
    await a.engine.end();
    await b.engine.end();
    await a.discovery.close();
    await b.discovery.close();
  }
});

it("a spoofed nameplate on the LAN: the joiner fails cleanly with a typed error; the spoofer got at most one guess, no session", async () => {
  // The spoofer advertises nameplate 555 and answers like a LAN host, then plays a PAKE with
  // random bytes (it does not know the code). It records every blob the victim sends.
  const spoofDiscovery = mdnsDiscovery({ interface: IFACE })();
  const wss = new WebSocketServer({ host: IFACE, port: 0 });
  await new Promise<void>((r) => wss.once("listening", () => r()));
  const received: number[] = [];
  wss.on("connection", (ws) => {
    ws.once("message", () => {
      ws.send(JSON.stringify({ v: 1, ok: true }));
      const junk = Buffer.alloc(5 + 33);
      junk[0] = 1; // data frame, seq 1
      junk.writeUInt32BE(1, 1);
      for (let i = 5; i < junk.length; i++) junk[i] = (i * 73) & 0xff;
      ws.send(junk);
      ws.on("message", (m: Buffer) => {
        if (m[0] === 1) received.push(m.length - 5); // data frames only, not acks
      });
    });
  });
  const port = (wss.address() as { port: number }).port;
  const ad = await spoofDiscovery.advertise({ nameplate: "555", address: IFACE, port });
  const victim = device("phone", 4000);
  const errors: string[] = [];
  victim.engine.events$.subscribe((e) => {
    if (e.type === "error") errors.push(e.name);
  });
  try {
    const code = generateCode({ nameplate: "555" });
    const err = await victim.engine.join(code).then(() => undefined, (e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect(err!.name).toMatch(/Error$/);
    expect(err!.name).not.toBe("Error");
    // The junk is counted, never applied; the attempt ends at once (the code is burned: wrongCode,
    // not the pairing timeout) without a session.
    expect(err!.name).toBe("WrongCodeError");
    expect(await victim.engine.ended).toBe("wrongCode");
    expect(errors.length).toBeGreaterThanOrEqual(1);
    console.log(`spoofed nameplate: join failed with ${err!.name}, ended ${await victim.engine.ended}, errors ${JSON.stringify(errors)}, spoofer got ${received.length} blob(s)`);
    // One online guess at most: the victim sent at most its one SPAKE2 message (public; it may
    // not even get out before the victim hangs up) and no tag, nothing sealed with session keys.
    expect(received.length).toBeLessThanOrEqual(1);
  } finally {
    await victim.engine.end();
    await victim.discovery.close();
    await ad.withdraw();
    await spoofDiscovery.close();
    await new Promise<void>((r) => wss.close(() => r()));
  }
});
