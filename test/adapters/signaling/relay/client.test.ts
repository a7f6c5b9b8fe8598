/**
 * The relay Signaling adapter against a live relay: host/join, mailboxes, typed errors,
 * reconnection after a dropped socket and after a relay restart.
 */
import { firstValueFrom, take, toArray } from "rxjs";
import { afterEach, describe, expect, it } from "vitest";
import { relaySignaling, type RelaySignaling } from "../../../../src/adapters/signaling/relay/index.js";
import type { SignalingSession } from "../../../../src/adapters/signaling/types.js";
import { startRelay } from "../../../relay/helpers.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function relay(options: Parameters<typeof startRelay>[0] = {}) {
  const r = await startRelay(options);
  cleanups.push(() => r.server.stop());
  return r;
}
function client(url: string, extra: Partial<Parameters<typeof relaySignaling>[0]> = {}): RelaySignaling {
  const s = relaySignaling({ url, backoffInitialMs: 20, backoffMaxMs: 200, ...extra })();
  cleanups.push(() => s.close());
  return s;
}
const collect = (s: SignalingSession, n: number) => firstValueFrom(s.messages$.pipe(take(n), toArray()));

describe("relaySignaling", { timeout: 10_000 }, () => {
  it("hosts and joins a nameplate, then moves blobs both ways in order", async () => {
    const { url } = await relay();
    const a = client(url);
    const b = client(url);
    const host = await a.host();
    expect(host.nameplate).toMatch(/^[1-9][0-9]*$/);
    const join = await b.join(host.nameplate);
    await Promise.all([host.peerJoined, join.peerJoined]);
    const toB = collect(join, 3);
    const toA = collect(host, 1);
    for (const s of ["one", "two", "three"]) await host.send(enc(s));
    await join.send(enc("back"));
    expect((await toB).map(dec)).toEqual(["one", "two", "three"]);
    expect((await toA).map(dec)).toEqual(["back"]);
    const done = firstValueFrom(join.messages$.pipe(toArray()));
    await join.close();
    await join.close();
    expect(await done).toEqual([]);
    await expect(join.send(enc("x"))).rejects.toMatchObject({ name: "SignalingClosedError" });
  });

  it("a send followed at once by close still reaches the peer (frames leave in call order)", async () => {
    const { url } = await relay();
    const a = client(url);
    const b = client(url);
    const host = await a.host();
    const join = await b.join(host.nameplate);
    await join.peerJoined;
    const got = collect(join, 1);
    const sent = host.send(enc("last words"));
    await host.close();
    await sent;
    expect(dec((await got)[0]!)).toBe("last words");
  });

  it("maps relay refusals to typed errors", async () => {
    const { url } = await relay({ limits: { maxBlobBytes: 100 } });
    const a = client(url);
    const b = client(url);
    const c = client(url);
    await expect(b.join("4242")).rejects.toMatchObject({ name: "NameplateNotFoundError" });
    await expect(b.join("not-a-number")).rejects.toMatchObject({ name: "NameplateNotFoundError" });
    const host = await a.host();
    await b.join(host.nameplate);
    await expect(c.join(host.nameplate)).rejects.toMatchObject({ name: "NameplateCrowdedError" });
    await expect(host.send(new Uint8Array(101))).rejects.toMatchObject({ name: "BlobTooLargeError" });
    await expect(a.mailbox("XYZ", "host")).rejects.toMatchObject({ name: "SignalingError" });
  });

  it("opens a private mailbox from both sides; blobs sent before the peer opens are held for it", async () => {
    const { url } = await relay();
    const id = "5e".repeat(16);
    const a = client(url);
    const b = client(url);
    const ma = await a.mailbox(id, "host");
    await ma.send(enc("while you were away"));
    const mb = await b.mailbox(id, "join");
    expect(dec((await collect(mb, 1))[0]!)).toBe("while you were away");
    await Promise.all([ma.peerJoined, mb.peerJoined]);
    const got = collect(ma, 1);
    await mb.send(enc("hello host"));
    expect(dec((await got)[0]!)).toBe("hello host");
  });

  it("reconnects after the socket drops and re-opens its mailboxes", async () => {
    const { url } = await relay();
    const a = client(url);
    const b = client(url);
    const host = await a.host();
    const join = await b.join(host.nameplate);
    await join.peerJoined;
    b.dropConnection();
    // The send waits for the reconnection; delivery proves the mailbox was re-opened.
    const got = collect(join, 1);
    await b.mailbox("77".repeat(16), "join"); // queued behind the reconnect too
    await host.send(enc("after the cut"));
    expect(dec((await got)[0]!)).toBe("after the cut");
    expect(b.stats.reconnects).toBeGreaterThanOrEqual(1);
    const back = collect(host, 1);
    await join.send(enc("me too"));
    expect(dec((await back)[0]!)).toBe("me too");
  });

  it("survives a relay restart on the same port (with backoff) and keeps the mailbox", async () => {
    const first = await startRelay();
    const port = first.port;
    const a = client(first.url);
    const b = client(first.url);
    const id = "ab".repeat(16);
    const ma = await a.mailbox(id, "host");
    const mb = await b.mailbox(id, "join");
    await Promise.all([ma.peerJoined, mb.peerJoined]);
    await first.server.stop();
    const second = await relay({ port });
    expect(second.port).toBe(port);
    const got = collect(mb, 1);
    await ma.send(enc("new relay"));
    expect(dec((await got)[0]!)).toBe("new relay");
  });

  it("rejects at once when the relay is unreachable and nothing is open", async () => {
    const r = await startRelay();
    await r.server.stop();
    const a = client(r.url);
    await expect(a.host()).rejects.toMatchObject({ name: "SignalingClosedError" });
  });

  it("a hostile relay's malformed frames are counted and ignored, never trusted", async () => {
    const { WebSocketServer } = await import("ws");
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
    cleanups.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
    wss.on("connection", (ws) => {
      ws.send(JSON.stringify({ t: "welcome", v: 1, limits: { maxBlobBytes: 1000, idleTimeoutMs: 60_000, messagesPerSecond: 5 } }));
      ws.on("message", (d) => {
        const f = JSON.parse(String(d)) as { t: string; r: number };
        if (f.t === "close") return ws.send(JSON.stringify({ t: "ok", r: f.r }));
        if (f.t !== "host") return;
        for (const junk of ["nope", "{}", "[1]", JSON.stringify({ t: "hosted", r: f.r, nameplate: "../1", m: "x" }), JSON.stringify({ t: "blob", m: "0".repeat(32), b: 7 })]) ws.send(junk);
        ws.send(Buffer.from([1, 2, 3]), { binary: true });
        ws.send(JSON.stringify({ t: "hosted", r: f.r, nameplate: "5", m: "0".repeat(32) }));
        ws.send(JSON.stringify({ t: "blob", m: "0".repeat(32), b: "!!not base64!!" }));
        ws.send(JSON.stringify({ t: "blob", m: "0".repeat(32), b: Buffer.from("real").toString("base64url") }));
      });
    });
    const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`;
    const a = client(url);
    const s = await a.host();
    expect(s.nameplate).toBe("5");
    expect(dec((await collect(s, 1))[0]!)).toBe("real");
    expect(a.stats.badFrames).toBe(7);
  });

  it("an aborted host() releases what the relay handed out", async () => {
    const { url } = await relay();
    const a = client(url);
    const ctl = new AbortController();
    const p = a.host({ signal: ctl.signal });
    ctl.abort();
    await expect(p).rejects.toMatchObject({ name: "SignalingClosedError" });
  });
});
