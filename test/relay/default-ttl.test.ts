/**
 * A store built without options forgets at 60 s, not later: the memory store under a simulated
 * clock (a blob is there at 59.9 s and gone at 60.1 s), and the Redis store (every key it
 * writes for a session carries a TTL of at most 60 s and more than 55 s right after writing).
 */
import { afterAll, describe, expect, it } from "vitest";
import { SimulatedClock } from "xstate";
import { memoryStore } from "../../src/relay/store/memory.js";
import { redisStore } from "../../src/relay/store/redis.js";
import { redisPrefix, REDIS_URL } from "./helpers.js";

const mb = "ab".repeat(16);
const p = redisPrefix();
afterAll(() => p.cleanup());

describe("stores built without options", () => {
  it("memory: a held blob lives 60 s", async () => {
    for (const [after, expected] of [
      [59_900, 1],
      [60_100, 0],
    ] as const) {
      const clock = new SimulatedClock();
      const store = memoryStore({ clock });
      expect(store.ttlSeconds).toBe(60);
      await store.post(mb, "join", Uint8Array.of(1, 2, 3), 8);
      clock.increment(after);
      expect((await store.open(mb, "join", "i.t")).blobs, `after ${after} ms`).toHaveLength(expected);
      await store.close();
    }
  });

  it("memory: a nameplate nobody refreshes is gone after 60 s", async () => {
    const clock = new SimulatedClock();
    const store = memoryStore({ clock });
    const np = await store.host(mb, "i.h");
    clock.increment(59_900);
    expect((await store.stats()).nameplates).toBe(1);
    clock.increment(200);
    expect(await store.join(np!, "i.j")).toEqual({ ok: false, reason: "not_found" });
    await store.close();
  });

  it("redis: every key of a session expires within 60 s", async () => {
    const store = redisStore({ url: REDIS_URL, prefix: p.prefix });
    try {
      expect(store.ttlSeconds).toBe(60);
      await store.attach("inst", () => {});
      const np = await store.host(mb, "inst.h");
      await store.post(mb, "join", Uint8Array.of(1, 2, 3), 8); // held: nobody on the join side
      await store.join(np!, "inst.j");
      await store.post("cd".repeat(16), "join", Uint8Array.of(4), 8);
      const keys = await p.keys();
      expect(keys.length).toBeGreaterThan(5);
      for (const k of keys) {
        const ttl = await p.redis.pttl(k);
        expect(ttl, k).toBeGreaterThan(55_000);
        expect(ttl, k).toBeLessThanOrEqual(60_000);
      }
    } finally {
      await store.close();
    }
  });
});
