/**
 * The Redis store passes the store compliance suite against the real Redis on 127.0.0.1:6379,
 * with a 3 s TTL and 1 s cool-downs so expiry is real; expiry is awaited on Redis keyspace state.
 * Every test gets its own key prefix, deleted afterwards.
 */
import { afterAll } from "vitest";
import { redisStore } from "../../src/relay/store/redis.js";
import type { RelayStore } from "../../src/relay/store/types.js";
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
