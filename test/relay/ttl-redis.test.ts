/**
 * Relay TTL with the Redis store: during a live session every key the relay wrote has a TTL of
 * at most 60 s (none without one), and with a short TTL nothing is left once it has passed
 * (awaited on Redis keyspace events, not a blind sleep).
 */
import { afterAll, describe, expect, it } from "vitest";
import { relaySignaling } from "../../src/adapters/signaling/relay/index.js";
import { awaitPrefixEmpty, rawClient, redisPrefix, REDIS_URL, startRelay } from "./helpers.js";

const prefixes: ReturnType<typeof redisPrefix>[] = [];
afterAll(async () => {
  for (const p of prefixes) await p.cleanup();
});

/** A session that leaves every kind of key behind: nameplates, cool-down, presence, held blobs. */
async function busySession(url: string) {
  const a = relaySignaling({ url })();
  const b = relaySignaling({ url })();
  const c = relaySignaling({ url })();
  const host = await a.host();
  const join = await b.join(host.nameplate);
  await Promise.all([host.peerJoined, join.peerJoined]);
  await host.send(new Uint8Array([1, 2, 3]));
  await c.host(); // an unjoined nameplate
  const alone = await c.mailbox("d".repeat(32), "host");
  await alone.send(new Uint8Array(100)); // held: nobody on the other side
  return { close: () => Promise.all([a.close(), b.close(), c.close()]) };
}

describe("relay TTL (Redis)", { timeout: 20_000 }, () => {
  it("every key has a TTL of at most 60 s while a session is live", async () => {
    const p = redisPrefix();
    prefixes.push(p);
    const r = await startRelay({ redis: REDIS_URL, redisPrefix: p.prefix });
    const s = await busySession(r.url);
    const keys = await p.keys();
    const kinds = new Set(keys.map((k) => k.slice(p.prefix.length).split(":")[0]));
    expect([...kinds].sort()).toEqual(["b", "cd", "fq", "hc", "np", "nps", "pr", "q", "sq", "ui", "un"]);
    for (const k of keys) {
      const ttl = await p.redis.pttl(k);
      expect(ttl, k).toBeGreaterThan(0);
      expect(ttl, k).toBeLessThanOrEqual(60_000);
    }
    await s.close();
    await r.server.stop();
  });

  it("with a 1 s TTL, nothing is left in Redis after it has passed", async () => {
    const p = redisPrefix();
    prefixes.push(p);
    const r = await startRelay({ redis: REDIS_URL, redisPrefix: p.prefix, timings: { ttlSeconds: 1, nameplateCooldownSeconds: 1 } });
    const s = await busySession(r.url);
    expect((await p.keys()).length).toBeGreaterThan(0);
    await s.close();
    await awaitPrefixEmpty(p.redis, p.prefix);
    expect(await p.keys()).toEqual([]);
    // The blob held for the absent side expired; a late opener gets nothing.
    const late = await rawClient(r.url);
    await late.req({ t: "open", m: "d".repeat(32), side: "join" });
    expect(await late.req({ t: "ping" })).toMatchObject({ t: "pong" });
    expect(late.frames.filter((f) => f.t === "blob")).toEqual([]);
    late.close();
    await r.server.stop();
  });
});
