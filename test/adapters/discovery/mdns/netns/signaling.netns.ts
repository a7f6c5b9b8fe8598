/**
 * LAN signaling inside a private namespace (run by test/adapters/discovery/mdns/signaling.test.ts): the Signaling
 * compliance suite with three devices that find each other through real mDNS on `lo` and talk
 * over the host's WebSocket, plus hostile hellos from a raw socket.
 */
import { describe, expect, it } from "vitest";
import { firstValueFrom, take, toArray } from "rxjs";
import { WebSocket } from "ws";
import { signalingCompliance } from "../../../../../src/testing/compliance/signaling.js";
import { lanSignaling, mdnsDiscovery } from "../../../../../src/adapters/discovery/mdns/index.js";
import { assertPrivateNetns } from "./guard.js";

assertPrivateNetns();
const IFACE = "127.0.0.1";
const device = () => {
  const discovery = mdnsDiscovery({ interface: IFACE });
  const signaling = lanSignaling({ discovery, interface: IFACE, findTimeoutMs: 2000 });
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
    try {
      const id = "0123456789abcdef0123456789abcdef";
      const hb = await host.mailbox(id, "host");
      const jb = await joiner.mailbox(id, "join");
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
      await host.closeAll();
      await joiner.closeAll();
    }
  });
});

describe("lan signaling against a hostile LAN device", () => {
  it("a socket that says the wrong nameplate, garbage, or binary before hello is refused and counted; the real joiner still gets in", async () => {
    const host = device();
    const joiner = device();
    const discovery = mdnsDiscovery({ interface: IFACE });
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
