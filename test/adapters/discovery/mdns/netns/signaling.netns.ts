/**
 * LAN signaling inside a private namespace (run by test/adapters/discovery/mdns/signaling.test.ts): the Signaling
 * compliance suite with three devices that find each other through real mDNS on `lo` and talk
 * over the host's WebSocket, plus hostile hellos from a raw socket, and the mailbox hello's
 * challenge–response (docs/protocol.md §8) against a LAN sniffer that replays what it saw.
 */
import { describe, expect, it } from "vitest";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { firstValueFrom, take, toArray } from "rxjs";
import { WebSocket } from "ws";
import { signalingCompliance } from "../../../../../src/testing/compliance/signaling.js";
import { pairedMailboxAuth } from "../../../../../src/testing/compliance/mailbox-auth.js";
import { lanSignaling, mdnsDiscovery } from "../../../../../src/adapters/discovery/mdns/index.js";
import type { Discovery } from "../../../../../src/adapters/discovery/types.js";
import { assertPrivateNetns } from "./guard.js";

assertPrivateNetns();
const IFACE = "127.0.0.1";
const device = () => {
  const discovery = mdnsDiscovery({ interface: IFACE })();
  const signaling = lanSignaling({ discovery, interface: IFACE, findTimeoutMs: 2000 })();
  return Object.assign(signaling, {
    closeAll: async () => {
      await signaling.close();
      await discovery.close();
    },
  });
};

signalingCompliance("lan (mDNS + WebSocket, private netns)", {
  setup: async () => ({ a: device(), b: device(), c: device() }),
  teardown: async ({ a, b, c }) => {
    await a.closeAll();
    await b.closeAll();
    await c.closeAll();
  },
});

describe("lan signaling mailbox survives a dropped socket", () => {
  it("the joiner re-dials; blobs the host sent while it was away arrive in order", async () => {
    const host = device();
    const joiner = device();
    const auth = pairedMailboxAuth();
    try {
      const id = "0123456789abcdef0123456789abcdef";
      const hb = await host.mailbox(id, "host", { auth: auth.host });
      const jb = await joiner.mailbox(id, "join", { auth: auth.join });
      const first = firstValueFrom(jb.messages$);
      await hb.send(Uint8Array.of(1));
      expect(await first).toEqual(Uint8Array.of(1));
      // Cut the joiner's socket under it (what a Wi-Fi hiccup looks like to TCP).
      (jb as unknown as { socket: { terminate(): void } }).socket.terminate();
      const later = firstValueFrom(jb.messages$.pipe(take(2), toArray()));
      await hb.send(Uint8Array.of(2));
      await hb.send(Uint8Array.of(3));
      expect(await later).toEqual([Uint8Array.of(2), Uint8Array.of(3)]);
      const back = firstValueFrom(hb.messages$);
      await jb.send(Uint8Array.of(4));
      expect(await back).toEqual(Uint8Array.of(4));
    } finally {
      auth.wipe();
      await host.closeAll();
      await joiner.closeAll();
    }
  });
});

/** A TCP relay in front of the host that records every byte the joiner sends: what a LAN sniffer sees. */
async function sniffingRelay(): Promise<{ port: number; target(t: { address: string; port: number }): void; captured(): Buffer; close(): Promise<void> }> {
  let target: { address: string; port: number } | undefined;
  const sent: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(target!.port, target!.address);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => sockets.delete(s));
    }
    client.on("data", (d: Buffer) => {
      sent.push(Buffer.from(d));
      upstream.write(d);
    });
    upstream.on("data", (d: Buffer) => client.write(d));
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, IFACE, () => r()));
  return {
    port: (server.address() as { port: number }).port,
    target: (t) => (target = t),
    captured: () => Buffer.concat(sent),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** WebSocket close frame from a server: FIN+close opcode, 2-byte payload, code 4001 (bad proof). */
const CLOSE_4001 = Buffer.from([0x88, 0x02, 0x0f, 0xa1]);

/**
 * Replays raw client bytes on a new TCP connection; resolves with what the host answered once it
 * closed the WebSocket or said ok (the host then waits for a close reply that never comes).
 */
function replay(target: { address: string; port: number }, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    const s = createConnection(target.port, target.address, () => s.write(bytes));
    const done = () => {
      s.destroy();
      resolve(got);
    };
    s.on("data", (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.includes(CLOSE_4001) || got.includes(Buffer.from('"ok":true'))) done();
    });
    s.on("error", () => undefined);
    s.on("close", done);
  });
}

describe("lan mailbox hello: challenge–response (docs/protocol.md §8)", () => {
  it("a captured hello and proof replayed byte for byte is refused (4001); the real joiner stays connected, no sequence number burned", async () => {
    const host = device();
    const relay = await sniffingRelay();
    const joinDiscovery = mdnsDiscovery({ interface: IFACE })();
    // The joiner reaches the host through the recording relay (its discovery answers the relay's port).
    const viaRelay: Discovery = {
      kind: joinDiscovery.kind,
      advertise: (r) => joinDiscovery.advertise(r),
      find: async (np, o) => {
        const rec = await joinDiscovery.find(np, o);
        relay.target(rec);
        return { ...rec, address: IFACE, port: relay.port };
      },
      get rejected() {
        return joinDiscovery.rejected;
      },
      close: () => joinDiscovery.close(),
    };
    const joiner = lanSignaling({ discovery: viaRelay, interface: IFACE, findTimeoutMs: 2000 })();
    const finder = mdnsDiscovery({ interface: IFACE })();
    const auth = pairedMailboxAuth();
    try {
      const id = "fedcba9876543210fedcba9876543210";
      const hb = await host.mailbox(id, "host", { auth: auth.host });
      const jb = await joiner.mailbox(id, "join", { auth: auth.join });
      const first = firstValueFrom(jb.messages$);
      await hb.send(Uint8Array.of(1));
      expect(await first).toEqual(Uint8Array.of(1));
      const up = firstValueFrom(hb.messages$);
      await jb.send(Uint8Array.of(2)); // joiner's seq 1: the capture holds this data frame too
      expect(await up).toEqual(Uint8Array.of(2));

      // The sniffer replays everything the joiner sent: upgrade, hello, proof, data frame.
      const captured = relay.captured();
      expect(captured.subarray(0, 4).toString()).toBe("GET "); // the upgrade, then masked frames
      expect(captured.length).toBeGreaterThan(300);
      const hostRec = await finder.find(hb.nameplate, { timeoutMs: 5000 });
      const refusedBefore = host.refused;
      const answer = await replay(hostRec, captured);
      expect(answer.includes(Buffer.from('"challenge"'))).toBe(true); // a fresh challenge, not ok
      expect(answer.includes(Buffer.from('"ok":true'))).toBe(false);
      expect(answer.includes(CLOSE_4001)).toBe(true);
      expect(host.refused).toBe(refusedBefore + 1);

      // The real joiner is still the host's peer, both ways, and its next seq (2) is not burned.
      const down = firstValueFrom(jb.messages$);
      await hb.send(Uint8Array.of(3));
      expect(await down).toEqual(Uint8Array.of(3));
      const up2 = firstValueFrom(hb.messages$);
      await jb.send(Uint8Array.of(4));
      expect(await up2).toEqual(Uint8Array.of(4));

      // The moment the issue describes: the joiner's socket just died (a Wi-Fi blip). Replaying
      // the capture now still gets only a challenge and 4001; the joiner re-dials with a fresh
      // proof and takes its mailbox back, with nothing lost in between.
      (jb as unknown as { socket: { terminate(): void } }).socket.terminate();
      const again = await replay(hostRec, captured);
      expect(again.includes(CLOSE_4001)).toBe(true);
      expect(again.includes(Buffer.from('"ok":true'))).toBe(false);
      const down2 = firstValueFrom(jb.messages$);
      await hb.send(Uint8Array.of(5));
      expect(await down2).toEqual(Uint8Array.of(5));
      const up3 = firstValueFrom(hb.messages$);
      await jb.send(Uint8Array.of(6));
      expect(await up3).toEqual(Uint8Array.of(6));
      expect(host.refused).toBe(refusedBefore + 2);
    } finally {
      auth.wipe();
      await finder.close();
      await joiner.close();
      await joinDiscovery.close();
      await relay.close();
      await host.closeAll();
    }
  });

  it("a device with another pairing's keys gets MailboxAuthError and changes nothing; a mailbox without auth is refused", async () => {
    const host = device();
    const joiner = device();
    const intruder = device();
    const auth = pairedMailboxAuth();
    const other = pairedMailboxAuth("9-adroitness-aardvark");
    try {
      const id = "00112233445566778899aabbccddeeff";
      const hb = await host.mailbox(id, "host", { auth: auth.host });
      const jb = await joiner.mailbox(id, "join", { auth: auth.join });
      await expect(intruder.mailbox(id, "join", { auth: other.join })).rejects.toMatchObject({ name: "MailboxAuthError" });
      await expect(intruder.mailbox(id, "join")).rejects.toMatchObject({ name: "MailboxAuthError" });
      const got = firstValueFrom(hb.messages$);
      await jb.send(Uint8Array.of(9));
      expect(await got).toEqual(Uint8Array.of(9));
    } finally {
      auth.wipe();
      other.wipe();
      await intruder.closeAll();
      await joiner.closeAll();
      await host.closeAll();
    }
  });
});

describe("lan signaling against a hostile LAN device", () => {
  it("a socket that says the wrong nameplate, garbage, or binary before hello is refused and counted; the real joiner still gets in", async () => {
    const host = device();
    const joiner = device();
    const discovery = mdnsDiscovery({ interface: IFACE })();
    try {
      const h = await host.host();
      const rec = await discovery.find(h.nameplate, { timeoutMs: 5000 });
      const url = `ws://${rec.address}:${rec.port}/`;
      const attempt = (first: string | Buffer) =>
        new Promise<number>((resolve) => {
          const ws = new WebSocket(url);
          ws.on("error", () => undefined);
          ws.on("open", () => ws.send(first));
          ws.on("close", (code) => resolve(code));
        });
      expect(await attempt(JSON.stringify({ v: 1, kind: "join", nameplate: "9999" }))).toBe(4004);
      expect(await attempt("{not json")).toBe(4000);
      expect(await attempt(Buffer.from([1, 2, 3]))).toBe(4000);
      expect(await attempt("x".repeat(10_000))).toBe(4000);
      expect(host.refused).toBe(4);
      const j = await joiner.join(h.nameplate);
      const got = firstValueFrom(h.messages$);
      await j.send(Uint8Array.of(42));
      expect(await got).toEqual(Uint8Array.of(42));
    } finally {
      await discovery.close();
      await host.closeAll();
      await joiner.closeAll();
    }
  });
});
