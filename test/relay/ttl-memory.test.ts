/**
 * Relay lifetimes with the memory store under a simulated clock: blobs are dropped after the
 * 60 s TTL, an unjoined nameplate is released after 10 min and cools down before reuse, idle
 * connections are closed, and live subscribers keep their presence past the TTL.
 */
import { setImmediate as turn } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { SimulatedClock } from "xstate";
import { getText, metric, rawClient, startRelay, type RawClient } from "./helpers.js";

const b64 = (s: string) => Buffer.from(s).toString("base64url");
const stops: (() => Promise<void>)[] = [];
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of stops.splice(0)) await s();
});

async function setup(idleTimeoutMs = 90_000) {
  const clock = new SimulatedClock();
  const r = await startRelay({ clock, limits: { idleTimeoutMs } });
  stops.push(() => r.server.stop());
  /** Move simulated time in tick-sized steps, letting the relay's async housekeeping run. */
  const advance = async (ms: number) => {
    for (let left = ms; left > 0; left -= 5000) {
      clock.increment(Math.min(5000, left));
      for (let i = 0; i < 5; i++) await turn();
    }
  };
  const client = async () => {
    const c = await rawClient(r.url);
    clients.push(c);
    return c;
  };
  return { r, clock, advance, client, metrics: async () => (await getText(r.url.replace("ws:", "http:") + "/metrics")).body };
}

describe("relay TTL (memory store, simulated clock)", () => {
  it("drops a held blob after 60 s: a later recipient gets nothing, the drop is counted", async () => {
    const { advance, client, metrics } = await setup(600_000);
    const m = "a".repeat(32);
    const a = await client();
    await a.req({ t: "open", m, side: "host" });
    await a.req({ t: "post", m, b: b64("early") });
    await advance(59_000);
    expect(metric(await metrics(), "lethe_relay_blobs_held")).toBe(1);
    await a.req({ t: "post", m, b: b64("late") });
    await advance(2_000); // "early" is 61 s old now, "late" 2 s
    const b = await client();
    await b.req({ t: "open", m, side: "join" });
    expect(await b.next((f) => f.t === "blob")).toMatchObject({ b: b64("late") });
    await b.req({ t: "ping" });
    expect(b.frames.filter((f) => f.t === "blob")).toEqual([]);
    const text = await metrics();
    expect(metric(text, 'lethe_relay_drops_total{reason="expired"}')).toBe(1);
    expect(metric(text, "lethe_relay_blobs_held")).toBe(0);
  });

  it("releases an unjoined nameplate after 10 minutes", async () => {
    const { r, advance, client } = await setup(60 * 60_000);
    const a = await client();
    const { nameplate, m } = await a.req({ t: "host" });
    await advance(9 * 60_000);
    expect(a.frames.find((f) => f.t === "closed")).toBeUndefined();
    await advance(60_000);
    expect(await a.next((f) => f.t === "closed")).toEqual({ t: "closed", m, reason: "nameplate_expired" });
    const b = await client();
    expect(await b.req({ t: "join", nameplate })).toMatchObject({ code: "not_found" });
    expect((await r.server.store.stats()).nameplates).toBe(0);
  });

  it("keeps a connected side present past the TTL (refreshed), so blobs are delivered live", async () => {
    const { advance, client } = await setup(600_000);
    const m = "b".repeat(32);
    const a = await client();
    const b = await client();
    await a.req({ t: "open", m, side: "host" });
    await b.req({ t: "open", m, side: "join" });
    await b.next((f) => f.t === "peer");
    await advance(5 * 60_000);
    await a.req({ t: "post", m, b: b64("still here") });
    expect(await b.next((f) => f.t === "blob")).toMatchObject({ b: b64("still here") });
  });

  it("closes idle connections with bye idle; a pinging one survives", async () => {
    const { advance, client } = await setup(30_000);
    const idle = await client();
    const busy = await client();
    for (let i = 0; i < 4; i++) {
      await advance(10_000);
      await busy.req({ t: "ping" });
    }
    expect(await idle.next((f) => f.t === "bye")).toEqual({ t: "bye", reason: "idle" });
    expect((await idle.closed).code).toBe(1000);
    expect(await busy.req({ t: "ping" })).toMatchObject({ t: "pong" });
  });
});
