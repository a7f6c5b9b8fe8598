/**
 * The relay Signaling adapter runs the adapter-neutral Signaling compliance suite, once against
 * a relay on the memory store and once against a relay on Redis.
 */
import { afterAll, beforeAll } from "vitest";
import { relaySignaling } from "../../../../src/adapters/signaling/relay/index.js";
import { signalingCompliance } from "../../../../src/testing/compliance/signaling.js";
import { redisPrefix, REDIS_URL, startRelay } from "../../../relay/helpers.js";

let memory: Awaited<ReturnType<typeof startRelay>>;
let redis: Awaited<ReturnType<typeof startRelay>>;
const p = redisPrefix();
beforeAll(async () => {
  memory = await startRelay();
  redis = await startRelay({ redis: REDIS_URL, redisPrefix: p.prefix });
});
afterAll(async () => {
  await memory?.server.stop();
  await redis?.server.stop();
  await p.cleanup();
});

const trio = (url: () => string) => ({
  setup: async () => ({ a: relaySignaling({ url: url() })(), b: relaySignaling({ url: url() })(), c: relaySignaling({ url: url() })() }),
  teardown: async ({ a, b, c }: { a: { close(): Promise<void> }; b: { close(): Promise<void> }; c: { close(): Promise<void> } }) => {
    await Promise.all([a.close(), b.close(), c.close()]);
  },
});

signalingCompliance("relay (memory store)", trio(() => memory.url));
signalingCompliance("relay (Redis store)", trio(() => redis.url));
