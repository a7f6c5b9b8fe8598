/**
 * Two engines pair and sync through a live relay: on the memory transport through one relay
 * (memory store) and through two relay processes sharing Redis (device 1 on relay 1, device 2
 * on relay 2); and on werift (loopback only), where the sealed SDPs cross the relay.
 */
import { afterAll, describe, expect, it } from "vitest";
import { pairThroughRelay, syncs } from "./engines.js";
import { REDIS_URL, redisPrefix, startRelay } from "./helpers.js";
import { spawnRelay } from "./process.js";

const p = redisPrefix();
afterAll(() => p.cleanup());

describe("engines through a live relay", { timeout: 30_000 }, () => {
  it("pair and sync both ways through one relay (memory store)", async () => {
    const r = await startRelay();
    try {
      const pair = await pairThroughRelay(r.url, r.url, "engine-relay-1");
      expect(pair.code).toMatch(/^\d+-[a-z]+-[a-z]+$/);
      expect(pair.a.snapshot().status).toBe("connected");
      expect(pair.b.snapshot().status).toBe("connected");
      await syncs(pair.a, pair.b, "theme", "dark");
      await syncs(pair.b, pair.a, "lang", "de");
      await pair.end();
      expect(pair.a.snapshot().status).toBe("ended");
    } finally {
      await r.server.stop();
    }
  });

  it("pair and sync over werift (loopback), signaling through the relay", async () => {
    const r = await startRelay();
    try {
      const pair = await pairThroughRelay(r.url, r.url, "engine-relay-werift", "werift");
      expect(pair.a.snapshot().channel?.id).toMatch(/^werift-/);
      await syncs(pair.a, pair.b, "theme", "dark");
      await syncs(pair.b, pair.a, "lang", "de");
      await pair.end();
    } finally {
      await r.server.stop();
    }
  });

  it("pair and sync with device 1 on relay process 1 and device 2 on relay process 2 (one Redis)", async () => {
    const args = ["--port", "0", "--redis", REDIS_URL, "--redis-prefix", p.prefix, "--quiet"];
    const [r1, r2] = await Promise.all([spawnRelay(args), spawnRelay(args)]);
    try {
      const pair = await pairThroughRelay(r1!.url, r2!.url, "engine-relay-2");
      await syncs(pair.a, pair.b, "theme", "dark");
      await syncs(pair.b, pair.a, "lang", "de");
      await pair.end();
    } finally {
      expect(await Promise.all([r1!.stop(), r2!.stop()])).toEqual([0, 0]);
    }
  });
});
