/**
 * What a pairing costs Redis, counted by MONITOR on the real Redis: one script per client
 * request (host, join, two posts, two closes), so at most 10 requests per pairing (6 here); no
 * nameplate-claim retries; and GET /metrics reads counters instead of scanning the keyspace.
 */
import { afterAll, describe, expect, it } from "vitest";
import { SimulatedClock } from "xstate";
import { getText, metric, rawClient, redisPrefix, REDIS_URL, startRelay, type RawClient } from "./helpers.js";
import { monitorRedis } from "./redis-monitor.js";

const p = redisPrefix();
afterAll(() => p.cleanup());

describe("Redis cost of a pairing", { timeout: 20_000 }, () => {
  it("one script per request, at most 10 per pairing; /metrics never scans", async () => {
    // A clock that stands still: no housekeeping refresh lands inside the count.
    const r = await startRelay({ redis: REDIS_URL, redisPrefix: p.prefix, clock: new SimulatedClock() });
    /** Commands clients sent (scripts' inner calls are logged as "lua" and not counted). */
    const sent: string[] = [];
    const monitor = await monitorRedis(REDIS_URL, ({ args, source }) => {
      if (source !== "lua" && args.some((a) => a.startsWith(p.prefix))) sent.push(args[0]!.toLowerCase());
    });
    // Every script is loaded (EVAL once, then EVALSHA; a script Redis has not seen yet costs a
    // NOSCRIPT round trip) by one whole pairing before counting, and that pairing is over.
    /** One pairing's requests: host, post (held), join, post (delivered), the blob read, both close. */
    const exchange = async (h: RawClient, j: RawClient): Promise<void> => {
      const hosted = await h.req({ t: "host" });
      await h.req({ t: "post", m: hosted["m"], b: "AAEC" });
      const joined = await j.req({ t: "join", nameplate: hosted["nameplate"] });
      await j.req({ t: "post", m: joined["m"], b: "AwQF" });
      await h.next((f) => f.t === "blob");
      await h.req({ t: "close", m: hosted["m"] });
      await j.req({ t: "close", m: joined["m"] });
    };
    const pairOnce = async (a: string, b: string): Promise<void> => {
      const h = await rawClient(r.url, a);
      const j = await rawClient(r.url, b);
      await exchange(h, j);
      h.close();
      j.close();
      await Promise.all([h.closed, j.closed]);
    };
    await pairOnce("127.94.1.1", "127.94.1.2");
    await getText(r.url.replace("ws:", "http:") + "/metrics");
    await monitor.sync(p.redis); // MONITOR lines up to here are in
    sent.length = 0;
    const host = await rawClient(r.url, "127.94.0.1");
    const join = await rawClient(r.url, "127.94.0.2");
    await exchange(host, join);
    const text = (await getText(r.url.replace("ws:", "http:") + "/metrics")).body;
    await monitor.sync(p.redis);
    const pairing = sent.filter((c) => c === "evalsha" || c === "eval");
    expect(pairing.length).toBeLessThanOrEqual(10);
    expect(pairing.length).toBe(7); // host, post, join, post, close, close, and the /metrics scrape
    expect(sent.filter((c) => c !== "evalsha" && c !== "eval")).toEqual([]);
    expect(sent).not.toContain("scan");
    expect(sent).not.toContain("keys");
    expect(metric(text, "lethe_relay_nameplates")).toBe(0);
    expect(metric(text, "lethe_relay_store_round_trips_total")).toBeGreaterThanOrEqual(7);
    host.close();
    join.close();
    await monitor.close();
    await r.server.stop();
  });
});
