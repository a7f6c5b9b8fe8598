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
import { inbox, mb, storeCompliance } from "./store-compliance.js";

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
  const blobOf = (e: StoreEvent | undefined) => (e?.kind === "blob" ? [...e.blob] : e);

  it("hands a script's events for its own instance back in the reply and publishes the rest to the other instance", async () => {
    const p = redisPrefix();
    const a = redisStore({ url: REDIS_URL, prefix: p.prefix });
    const b = redisStore({ url: REDIS_URL, prefix: p.prefix });
    // Store a serves tokens "ia.*", store b "ib.*": a token's events reached the store it names.
    const atA = inbox();
    const atB = inbox();
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
      await a.attach("ia", atA.deliver);
      await b.attach("ib", atB.deliver);
      // Host on a, joiner on b: the host's `peer` crosses to a by PUBLISH.
      const np = await a.host(mb(1), "ia.h");
      expect((await b.join(np!, "ib.j")).ok).toBe(true);
      await atA.until("ia.h", 1);
      expect(atA.of("ia.h")).toEqual([{ kind: "peer" }]);
      expect(atB.events.size).toBe(0);
      // a posts to b's joiner (published), b posts to a's host (published).
      expect(await a.post(mb(1), "join", Uint8Array.of(1), 4)).toEqual({ status: "delivered" });
      expect(await b.post(mb(1), "host", Uint8Array.of(2), 4)).toEqual({ status: "delivered" });
      await atB.until("ib.j", 1);
      await atA.until("ia.h", 2);
      expect(atB.of("ib.j").map(blobOf)).toEqual([[1]]);
      expect(blobOf(atA.of("ia.h")[1])).toEqual([2]);
      // A second joiner connection on a replaces b's: b is told by PUBLISH; a's host hears `peer`
      // within a's own call, before the reply resolves, and nothing more is published for it.
      const before = await settled();
      await a.open(mb(1), "join", "ia.j2");
      expect(atA.of("ia.h")).toHaveLength(3);
      expect(atA.of("ia.h")[2]).toEqual({ kind: "peer" });
      await atB.until("ib.j", 2);
      expect(atB.of("ib.j")[1]).toEqual({ kind: "replaced" });
      expect(await a.post(mb(1), "host", Uint8Array.of(3), 4)).toEqual({ status: "delivered" });
      expect(atA.of("ia.h").map(blobOf)).toEqual([{ kind: "peer" }, [2], { kind: "peer" }, [3]]);
      expect((await settled()) - before).toBe(1); // only `replaced` crossed instances
      expect([...atA.events.keys(), ...atB.events.keys()].sort()).toEqual(["ia.h", "ib.j"]);
    } finally {
      await monitor.quit();
      await Promise.all([a.close(), b.close()]);
      await p.cleanup();
    }
  });
});
