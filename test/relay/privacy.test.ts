/**
 * Privacy: through a full session with a known payload pattern, the relay's logs, its metrics
 * and everything that reaches Redis (every command, captured with MONITOR, and every key and
 * value) never contain the pattern, the pairing code's secret words, or plaintext; and after
 * the TTL, Redis holds nothing for the session. A canary posted unsealed on purpose does show
 * up in the capture, which proves the capture would have seen the pattern had it been there.
 */
import { createCipheriv, randomBytes } from "node:crypto";
import { firstValueFrom, take } from "rxjs";
import { afterAll, describe, expect, it } from "vitest";
import { relaySignaling } from "../../src/adapters/signaling/relay/index.js";
import { pairThroughRelay, syncs } from "./engines.js";
import { awaitPrefixEmpty, captureLogs, getText, redisPrefix, REDIS_URL, startRelay } from "./helpers.js";
import { monitorRedis } from "./redis-monitor.js";

const PATTERN = `LETHE-PRIVATE-${randomBytes(8).toString("hex")}`;
const CANARY = `CANARY-UNSEALED-${randomBytes(8).toString("hex")}`;
const p = redisPrefix();
afterAll(() => p.cleanup());

/** AES-256-GCM with a key the relay never sees: what the engine does to every signal. */
function seal(key: Uint8Array, plaintext: string): Uint8Array {
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", key, iv);
  return Buffer.concat([iv, c.update(plaintext, "utf8"), c.final(), c.getAuthTag()]);
}

describe("privacy of a relayed session", { timeout: 30_000 }, () => {
  it("no pattern, code words or plaintext in logs, metrics or Redis; nothing left after the TTL", async () => {
    const logs = captureLogs();
    const relay = await startRelay({ redis: REDIS_URL, redisPrefix: p.prefix, log: logs.log, timings: { ttlSeconds: 1, nameplateCooldownSeconds: 1 } });
    const seen: string[] = [];
    const monitor = await monitorRedis(REDIS_URL, ({ args }) => {
      if (args.some((a) => a.includes(p.prefix))) seen.push(args.join(" "));
    });
    const keyValues: string[] = [];
    const snapshotRedis = async () => {
      for (const k of await p.keys()) {
        const type = await p.redis.type(k);
        const v = type === "list" ? (await p.redis.lrange(k, 0, -1)).join(",") : type === "string" ? ((await p.redis.getBuffer(k))?.toString("latin1") ?? "") : "";
        keyValues.push(`${k}=${v}`);
      }
    };

    // 1. Two engines pair and sync a doc full of the pattern through the relay.
    const pair = await pairThroughRelay(relay.url, relay.url, "privacy");
    const secretWords = pair.code.split("-").slice(1).join("-");
    await syncs(pair.a, pair.b, "secret", `${PATTERN} the plaintext`);
    await syncs(pair.b, pair.a, "reply", `${PATTERN} back`);

    // 2. Signals sealed as the engine seals them, some held for an absent peer (so they sit in
    //    Redis), plus one unsealed canary.
    const key = randomBytes(32);
    const x = relaySignaling({ url: relay.url })();
    const y = relaySignaling({ url: relay.url })();
    const id = randomBytes(16).toString("hex");
    const mx = await x.mailbox(id, "host");
    for (let i = 0; i < 5; i++) await mx.send(seal(key, `${PATTERN} offer ${i}`));
    await mx.send(new TextEncoder().encode(CANARY));
    await snapshotRedis();
    const my = await y.mailbox(id, "join");
    const first = await firstValueFrom(my.messages$.pipe(take(1)));
    expect(first.length).toBeGreaterThan(PATTERN.length); // a sealed blob arrived intact
    await my.send(seal(key, `${PATTERN} answer`));
    await snapshotRedis();

    const metricsText = (await getText(relay.url.replace("ws:", "http:") + "/metrics")).body;
    await pair.end();
    await Promise.all([x.close(), y.close()]);
    await awaitPrefixEmpty(p.redis, p.prefix);
    expect(await p.keys()).toEqual([]);
    await relay.server.stop();
    await monitor.sync(p.redis);
    await monitor.close();

    const logText = logs.events.map((e) => JSON.stringify(e)).join("\n");
    const captured = seen.join("\n");
    const stored = keyValues.join("\n");
    // The capture is real: it saw the session's commands, and the deliberately unsealed canary.
    expect(logs.events.length).toBeGreaterThan(4);
    expect(seen.length).toBeGreaterThan(10);
    expect(captured).toContain(CANARY);
    expect(stored).toContain(CANARY);
    for (const text of [logText, metricsText, captured, stored]) {
      expect(text).not.toContain(PATTERN);
      expect(text).not.toContain("the plaintext");
      expect(text).not.toContain(secretWords);
    }
    // Logs and metrics carry no payload, no mailbox id, no blob, not even the canary.
    for (const text of [logText, metricsText]) {
      expect(text).not.toContain(CANARY);
      expect(text).not.toContain(id);
      expect(text).not.toContain(Buffer.from(first).toString("base64url"));
    }
  });
});
