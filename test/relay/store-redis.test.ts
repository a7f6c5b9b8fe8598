/**
 * The Redis store passes the store compliance suite against the real Redis on 127.0.0.1:6379,
 * with a 3 s TTL and 1 s cool-downs so expiry is real; expiry is awaited on Redis keyspace state.
 * Every test gets its own key prefix, deleted afterwards. Then two stores on one prefix, as two
 * relays share one Redis: which events cross by PUBLISH and which come back in a script's reply.
 */
import { afterAll, describe, expect, it } from "vitest";
import { redisStore } from "../../src/relay/store/redis.js";
import type { RelayStore, StoreEvent } from "../../src/relay/store/types.js";
import { awaitPrefixEmpty, redisPrefix, REDIS_URL } from "./helpers.js";
import { storeCompliance } from "./store-compliance.js";

const cleanups = new Map<RelayStore, () => Promise<void>>();
afterAll(async () => {
  for (const c of cleanups.values()) await c();
});

storeCompliance("redis", {
  async setup() {
    const p = redisPrefix();
    // 3 s: long enough that a loaded machine finishes a test phase before its records expire.
    const store = redisStore({ url: REDIS_URL, prefix: p.prefix, ttlSeconds: 3, nameplateCooldownSeconds: 1, releasedNameplateCooldownSeconds: 1 });
    cleanups.set(store, p.cleanup);
    return { store, expire: () => awaitPrefixEmpty(p.redis, p.prefix) };
  },
  async teardown(store) {
    await store.close();
    await cleanups.get(store)?.();
    cleanups.delete(store);
  },
});

describe("Redis store: two relay instances on one Redis", () => {
  const mb = (n: number) => n.toString(16).padStart(32, "0");

  it("hands a script's events for its own instance back in the reply and publishes the rest to the other instance", async () => {
    const p = redisPrefix();
    const a = redisStore({ url: REDIS_URL, prefix: p.prefix });
    const b = redisStore({ url: REDIS_URL, prefix: p.prefix });
    const seen: string[] = [];
    const waiters: { n: number; resolve(): void }[] = [];
    const record = (at: string) => (token: string, e: StoreEvent) => {
      seen.push(`${at} ${token} ${e.kind}${e.kind === "blob" ? ` ${[...e.blob]}` : ""}`);
      for (const w of waiters.filter((w) => seen.length >= w.n)) w.resolve();
    };
    const waitFor = (n: number) => (seen.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })));
    // Every message on the instance channels; `settled()` publishes a marker and waits for it, so
    // everything published before it has arrived (Redis delivers a subscriber's messages in order).
    let published = 0;
    let markerSeen: (() => void) | undefined;
    const monitor = p.redis.duplicate();
    await monitor.psubscribe(`${p.prefix}inst:*`);
    monitor.on("pmessage", (_pattern: string, channel: string) => {
      if (channel === `${p.prefix}inst:marker`) markerSeen?.();
      else published++;
    });
    const settled = async () => {
      const seenMarker = new Promise<void>((resolve) => (markerSeen = resolve));
      await p.redis.publish(`${p.prefix}inst:marker`, "");
      await seenMarker;
      return published;
    };
    try {
      await a.attach("ia", record("a"));
      await b.attach("ib", record("b"));
      // Host on a, joiner on b: the host's `peer` crosses to a by PUBLISH.
      const np = await a.host(mb(1), "ia.h");
      expect((await b.join(np!, "ib.j")).ok).toBe(true);
      await waitFor(1);
      expect(seen).toEqual(["a ia.h peer"]);
      // a posts to b's joiner (published), b posts to a's host (published).
      expect(await a.post(mb(1), "join", Uint8Array.of(1), 4)).toEqual({ status: "delivered" });
      expect(await b.post(mb(1), "host", Uint8Array.of(2), 4)).toEqual({ status: "delivered" });
      await waitFor(3);
      expect(seen.slice(1).sort()).toEqual(["a ia.h blob 2", "b ib.j blob 1"]);
      // A second joiner connection on a replaces b's: b is told by PUBLISH; a's host hears `peer`
      // within a's own call, before the reply resolves, and nothing more is published for it.
      const before = await settled();
      await a.open(mb(1), "join", "ia.j2");
      expect(seen.slice(3)).toContain("a ia.h peer");
      await waitFor(5);
      expect(seen.slice(3).sort()).toEqual(["a ia.h peer", "b ib.j replaced"]);
      expect(await a.post(mb(1), "host", Uint8Array.of(3), 4)).toEqual({ status: "delivered" });
      expect(seen.at(-1)).toBe("a ia.h blob 3");
      expect((await settled()) - before).toBe(1); // only `replaced` crossed instances
    } finally {
      await monitor.quit();
      await Promise.all([a.close(), b.close()]);
      await p.cleanup();
    }
  });
});
