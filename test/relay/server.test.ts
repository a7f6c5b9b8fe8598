/**
 * The relay's protocol over a live WebSocket with the memory store: host/join/peer, blob
 * delivery (live and held), crowded/not_found, cool-down, limits with clear error frames,
 * /healthz and /metrics, and graceful shutdown.
 */
import { afterEach, describe, expect, it } from "vitest";
import { SimulatedClock } from "xstate";
import { getText, metric, rawClient, startRelay, type RawClient } from "./helpers.js";

const b64 = (s: string) => Buffer.from(s).toString("base64url");
const open: { stop(): Promise<void> }[] = [];
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of open.splice(0)) await s.stop();
});

async function relay(options: Parameters<typeof startRelay>[0] = {}) {
  const r = await startRelay(options);
  open.push(r.server);
  const client = async () => {
    const c = await rawClient(r.url);
    clients.push(c);
    return c;
  };
  return { ...r, client };
}

async function paired(r: Awaited<ReturnType<typeof relay>>) {
  const a = await r.client();
  const b = await r.client();
  const hosted = await a.req({ t: "host" });
  expect(hosted).toMatchObject({ t: "hosted", nameplate: expect.stringMatching(/^[1-9][0-9]*$/), m: expect.stringMatching(/^[0-9a-f]{32}$/) });
  const joined = await b.req({ t: "join", nameplate: hosted["nameplate"] });
  expect(joined).toEqual({ t: "joined", r: joined["r"], m: hosted["m"] });
  await a.next((f) => f.t === "peer", "peer on host");
  await b.next((f) => f.t === "peer", "peer on joiner");
  return { a, b, m: hosted["m"] as string, nameplate: hosted["nameplate"] as string };
}

describe("relay protocol", () => {
  it("welcomes with its limits, then pairs host and joiner and moves blobs both ways in order", async () => {
    const r = await relay();
    const { a, b, m } = await paired(r);
    for (let i = 0; i < 5; i++) expect(await a.req({ t: "post", m, b: b64(`a${i}`) })).toMatchObject({ t: "ok" });
    expect(await b.req({ t: "post", m, b: b64("from b") })).toMatchObject({ t: "ok" });
    for (let i = 0; i < 5; i++) expect(await b.next((f) => f.t === "blob")).toEqual({ t: "blob", m, b: b64(`a${i}`) });
    expect(await a.next((f) => f.t === "blob")).toEqual({ t: "blob", m, b: b64("from b") });
  });

  it("a joined nameplate is released: a third party is refused as crowded, an unknown one is not_found", async () => {
    const r = await relay();
    const { nameplate } = await paired(r);
    const c = await r.client();
    expect(await c.req({ t: "join", nameplate })).toMatchObject({ t: "error", code: "crowded" });
    expect(await c.req({ t: "join", nameplate: "987654" })).toMatchObject({ t: "error", code: "not_found" });
  });

  it("holds blobs for an absent side and delivers them, in order, when it opens the mailbox", async () => {
    const r = await relay();
    const m = "0123456789abcdef0123456789abcdef";
    const a = await r.client();
    expect(await a.req({ t: "open", m, side: "host" })).toMatchObject({ t: "opened", m });
    await a.req({ t: "post", m, b: b64("one") });
    await a.req({ t: "post", m, b: b64("two") });
    const text = (await getText(r.url.replace("ws:", "http:") + "/metrics")).body;
    expect(metric(text, "lethe_relay_blobs_held")).toBe(2);
    const b = await r.client();
    expect(await b.req({ t: "open", m, side: "join" })).toMatchObject({ t: "opened" });
    expect(await b.next((f) => f.t === "blob")).toMatchObject({ b: b64("one") });
    expect(await b.next((f) => f.t === "blob")).toMatchObject({ b: b64("two") });
    await b.next((f) => f.t === "peer");
    await a.next((f) => f.t === "peer");
  });

  it("the claimer leaving releases its nameplate: a late joiner finds nothing", async () => {
    const r = await relay();
    const a = await r.client();
    const { nameplate } = await a.req({ t: "host" });
    const before = (await r.server.store.stats()).nameplates;
    expect(before).toBe(1);
    a.close();
    await a.closed;
    // The relay releases on its own close handler; the store's count is the observable.
    const b = await r.client();
    while ((await r.server.store.stats()).nameplates > 0) await b.req({ t: "ping" });
    expect(await b.req({ t: "join", nameplate })).toMatchObject({ t: "error", code: "not_found" });
  });

  it("answers malformed frames with bad_frame and a reason, keeps the connection, then spends the budget", async () => {
    const r = await relay({ limits: { errorBudget: 4 } });
    const c = await r.client();
    c.sendRaw("not json");
    expect(await c.next()).toMatchObject({ t: "error", code: "bad_frame", r: null, message: "frame is not JSON" });
    c.send({ t: "post", r: 5, m: "xyz", b: "" });
    expect(await c.next()).toMatchObject({ t: "error", code: "bad_frame", r: 5, message: expect.stringContaining("m") });
    c.send({ t: "launch", r: 6 });
    expect(await c.next()).toMatchObject({ t: "error", code: "bad_frame", r: 6, message: "unknown frame type" });
    expect(await c.req({ t: "ping" })).toMatchObject({ t: "pong" });
    c.sendRaw(Buffer.from([1, 2, 3]), true);
    expect(await c.next()).toMatchObject({ t: "error", code: "bad_frame" });
    expect(await c.next()).toEqual({ t: "bye", reason: "error_budget" });
    expect((await c.closed).code).toBe(1008);
  });

  it("refuses blobs over the size limit, posts to unopened mailboxes, and full mailboxes", async () => {
    const r = await relay({ limits: { maxBlobBytes: 1024, maxHeldPerMailbox: 2 } });
    const c = await r.client();
    const m = "f".repeat(32);
    expect(await c.req({ t: "post", m, b: b64("x") })).toMatchObject({ code: "not_open" });
    await c.req({ t: "open", m, side: "join" });
    expect(await c.req({ t: "post", m, b: Buffer.alloc(1025).toString("base64url") })).toMatchObject({ code: "too_large" });
    expect(await c.req({ t: "post", m, b: "a=b" })).toMatchObject({ code: "bad_frame" });
    expect(await c.req({ t: "post", m, b: Buffer.alloc(1024).toString("base64url") })).toMatchObject({ t: "ok" });
    expect(await c.req({ t: "post", m, b: b64("2") })).toMatchObject({ t: "ok" });
    expect(await c.req({ t: "post", m, b: b64("3") })).toMatchObject({ code: "mailbox_full" });
    const text = (await getText(r.url.replace("ws:", "http:") + "/metrics")).body;
    expect(metric(text, 'lethe_relay_limit_hits_total{limit="blob_size"}')).toBe(1);
    expect(metric(text, 'lethe_relay_drops_total{reason="mailbox_full"}')).toBe(1);
  });

  it("limits nameplates and mailboxes per connection, claims per address, frames per second", async () => {
    // A simulated clock that never advances: buckets never refill, so counts are exact.
    const clock = new SimulatedClock();
    const r = await relay({ clock, limits: { maxNameplatesPerConnection: 1, maxMailboxesPerConnection: 2, claimsBurst: 2, messagesBurst: 12, errorBudget: 100 } });
    const c = await r.client();
    expect(await c.req({ t: "host" })).toMatchObject({ t: "hosted" });
    expect(await c.req({ t: "host" })).toMatchObject({ code: "too_many_nameplates" });
    // The claims budget belongs to the address: a second connection from it shares it.
    const d = await r.client();
    expect(await d.req({ t: "host" })).toMatchObject({ t: "hosted" });
    expect(await d.req({ t: "join", nameplate: "5" })).toMatchObject({ code: "claim_rate_limited" });
    d.close();
    await c.req({ t: "open", m: "1".repeat(32), side: "host" });
    expect(await c.req({ t: "open", m: "2".repeat(32), side: "host" })).toMatchObject({ code: "too_many_mailboxes" });
    // 4 frames spent on this connection so far (frames are counted per connection); 8 more pass, the 9th is refused.
    const replies = await Promise.all(Array.from({ length: 9 }, () => c.req({ t: "ping" })));
    expect(replies.map((f) => f.t)).toEqual([...Array(8).fill("pong"), "error"]);
    expect(replies[8]).toMatchObject({ code: "rate_limited" });
    clock.increment(1000); // 50 frames/s refill
    expect(await c.req({ t: "ping" })).toMatchObject({ t: "pong" });
  });

  it("refuses connections past the per-address limit with a bye", async () => {
    const r = await relay({ limits: { maxConnectionsPerAddress: 2 } });
    await r.client();
    await r.client();
    const { WebSocket } = await import("ws");
    const ws = new WebSocket(r.url);
    const first = await new Promise<string>((resolve) => ws.once("message", (d) => resolve(String(d))));
    expect(JSON.parse(first)).toEqual({ t: "bye", reason: "too_many_connections" });
  });

  it("serves /healthz and /metrics without payload, and 404 elsewhere", async () => {
    const r = await relay();
    const http = r.url.replace("ws:", "http:");
    await paired(r);
    const h = await getText(http + "/healthz");
    expect(h.status).toBe(200);
    expect(JSON.parse(h.body)).toMatchObject({ status: "ok", connections: 2 });
    const m = await getText(http + "/metrics");
    expect(metric(m.body, "lethe_relay_connections")).toBe(2);
    expect(metric(m.body, "lethe_relay_mailboxes_open")).toBe(2);
    expect(metric(m.body, "lethe_relay_nameplates_claimed_total")).toBe(1);
    expect((await getText(http + "/nope")).status).toBe(404);
  });

  it("shuts down gracefully: says bye to every client and closes with 1001", async () => {
    const r = await relay();
    const { a, b } = await paired(r);
    await r.server.stop();
    open.splice(open.indexOf(r.server), 1);
    expect(await a.next((f) => f.t === "bye")).toEqual({ t: "bye", reason: "shutdown" });
    expect((await a.closed).code).toBe(1001);
    expect((await b.closed).code).toBe(1001);
  });
});
