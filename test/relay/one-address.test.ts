/**
 * Real users behind one address: 200 concurrent honest pairings (host, join, one blob each way,
 * close) all complete — from one address under the default budgets, and behind a reverse proxy
 * with `trustProxy` and distinct forwarded addresses, where each forwarded address gets its own
 * budget (shown with budgets far too small for 200 pairings from one address). A client that
 * forges the header without going through the trusted proxy is not believed.
 */
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { defaultLimits } from "../../src/relay/options.js";
import { startForwardProxy, type ForwardProxy } from "./forward-proxy.js";
import { getText, metric, rawClient, startRelay, type RawClient } from "./helpers.js";

const PAIRS = 200;
const b64 = (s: string) => Buffer.from(s).toString("base64url");
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** One honest pairing; resolves when both sides read the other's blob and closed. */
async function pairing(url: string, i: number, hostAddr?: string, joinAddr?: string): Promise<void> {
  const clients: RawClient[] = [];
  try {
    const host = await rawClient(url, hostAddr);
    clients.push(host);
    const join = await rawClient(url, joinAddr);
    clients.push(join);
    const hosted = await host.req({ t: "host" });
    expect(hosted, `pairing ${i} host`).toMatchObject({ t: "hosted" });
    await host.req({ t: "post", m: hosted["m"], b: b64(`from host ${i}`) });
    const joined = await join.req({ t: "join", nameplate: hosted["nameplate"] });
    expect(joined, `pairing ${i} join`).toMatchObject({ t: "joined", m: hosted["m"] });
    await join.req({ t: "post", m: joined["m"], b: b64(`from joiner ${i}`) });
    expect(await join.next((f) => f.t === "blob")).toMatchObject({ b: b64(`from host ${i}`) });
    expect(await host.next((f) => f.t === "blob")).toMatchObject({ b: b64(`from joiner ${i}`) });
  } finally {
    for (const c of clients) c.close();
    await Promise.all(clients.map((c) => c.closed));
  }
}

const addr = (block: number, i: number) => `127.${block}.${Math.floor(i / 250)}.${(i % 250) + 1}`;

describe("many honest users behind one address", { timeout: 60_000 }, () => {
  it(`${PAIRS} concurrent pairings from one address complete under the default budgets`, async () => {
    const r = await startRelay();
    cleanups.push(() => r.server.stop());
    // The shared-address budget this relies on (docs/relay.md "Limits").
    expect(defaultLimits.maxConnectionsPerAddress).toBeGreaterThanOrEqual(2 * PAIRS);
    expect(defaultLimits.claimsBurst).toBeGreaterThanOrEqual(2 * PAIRS);
    expect(defaultLimits.mailboxesBurst).toBeGreaterThanOrEqual(2 * PAIRS);
    await Promise.all(Array.from({ length: PAIRS }, (_, i) => pairing(r.url, i, "127.0.0.1", "127.0.0.1")));
    const text = (await getText(r.url.replace("ws:", "http:") + "/metrics")).body;
    expect(metric(text, "lethe_relay_nameplates_joined_total")).toBe(PAIRS);
    expect(metric(text, 'lethe_relay_limit_hits_total{limit="claims_per_address"}')).toBe(0);
  });

  for (const header of ["x-forwarded-for", "forwarded"] as const) {
    it(`${PAIRS} concurrent pairings through a trusted proxy (${header}): every forwarded address has its own budget`, async () => {
      // Budgets far below what 200 pairings from one address need: only per-client budgets pass.
      const limits = { claimsBurst: 2, mailboxesBurst: 2, maxConnectionsPerAddress: 4 };
      const r = await startRelay({ limits, trustProxy: ["127.0.0.2"] });
      cleanups.push(() => r.server.stop());
      const proxy: ForwardProxy = await startForwardProxy(r.url, { host: "127.0.0.2", header });
      cleanups.push(() => proxy.close());
      await Promise.all(Array.from({ length: PAIRS }, (_, i) => pairing(proxy.url, i, addr(80, i), addr(81, i))));
      const text = (await getText(r.url.replace("ws:", "http:") + "/metrics")).body;
      expect(metric(text, "lethe_relay_nameplates_joined_total")).toBe(PAIRS);
      // The same load without the proxy (one address) runs out of that address's budget at once.
      const direct = await rawClient(r.url, "127.0.0.3");
      const second = await rawClient(r.url, "127.0.0.3");
      expect(await direct.req({ t: "host" })).toMatchObject({ t: "hosted" });
      expect(await second.req({ t: "host" })).toMatchObject({ t: "hosted" });
      expect(await second.req({ t: "host" })).toMatchObject({ code: "claim_rate_limited" });
      direct.close();
      second.close();
    });
  }

  it("a forwarded header from a peer that is not the trusted proxy is ignored", async () => {
    const r = await startRelay({ limits: { claimsBurst: 1 }, trustProxy: ["127.0.0.2"] });
    cleanups.push(() => r.server.stop());
    const forge = (to: string) => new WebSocket(r.url, { localAddress: "127.0.0.4", headers: { "X-Forwarded-For": to } });
    const claim = async (ws: WebSocket) => {
      const frames: string[] = [];
      await new Promise<void>((resolve) => ws.on("message", (d) => (frames.push(String(d)), frames.length === 1 ? ws.send(JSON.stringify({ t: "host", r: 1 })) : resolve())));
      ws.close();
      return JSON.parse(frames[1]!) as Record<string, unknown>;
    };
    expect(await claim(forge("198.51.100.1"))).toMatchObject({ t: "hosted" });
    // Another "address" in the header, same real peer: the same (spent) budget.
    expect(await claim(forge("198.51.100.2"))).toMatchObject({ code: "claim_rate_limited" });
  });
});
