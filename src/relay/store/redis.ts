/**
 * Redis relay store: N relay instances sharing one Redis serve one population. Every key is
 * written with a TTL (`SET … EX ttl`, default 60 s) so Redis forgets on its own even if every
 * relay dies; blobs are delivered between instances by pub/sub on a channel per mailbox side.
 * Multi-step updates are Lua scripts so two relays never interleave a claim or a take.
 *
 * Keys (all under `prefix`, docs/relay.md "Redis"):
 *   np:<n>            nameplate -> mailbox id          EX ttl, refreshed by the claimer's relay
 *   cd:<n>            cool-down: 'j' joined, 'r' released  EX cooldown
 *   pr:<mb>:<side>    presence token                   EX ttl, refreshed while subscribed
 *   q:<mb>:<side>     list of held blob sequence nums  EX ttl
 *   sq:<mb>:<side>    blob sequence counter            EX ttl
 *   b:<mb>:<side>:<n> one held blob (opaque bytes)     EX ttl
 * Channels: ch:<mb>:<side>; message = 1 byte kind (0 blob, 1 peer) ‖ blob bytes.
 */
import { Redis } from "ioredis";
import { nameplateCandidates } from "./nameplates.js";
import type { DrainResult, HoldResult, RelayStore, Side, StoreEvent, StoreStats, TakeResult } from "./types.js";

export interface RedisStoreOptions {
  /** `redis://host:port/db`; ignored if `client` is given. */
  readonly url?: string;
  /** An existing connection (not closed by the store). A duplicate is made for pub/sub. */
  readonly client?: Redis;
  /** Prefix for every key and channel, e.g. `lethe:`. */
  readonly prefix?: string;
  readonly ttlSeconds?: number;
  readonly nameplateCooldownSeconds?: number;
  readonly random?: () => number;
}

const CLAIM = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return 1 end
return 0`;
const REFRESH = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('EXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1]); redis.call('SET', KEYS[2], 'r', 'EX', ARGV[2]) end
return 0`;
const TAKE = `
local m = redis.call('GET', KEYS[1])
if m then redis.call('DEL', KEYS[1]); redis.call('SET', KEYS[2], 'j', 'EX', ARGV[1]); return m end
if redis.call('GET', KEYS[2]) == 'j' then return 1 end
return 0`;
const CLEAR_PRESENT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0`;
// KEYS: queue list, sequence counter. ARGV: blob key prefix, blob, ttl, max held.
const HOLD = `
while true do
  local head = redis.call('LINDEX', KEYS[1], 0)
  if not head then break end
  if redis.call('EXISTS', ARGV[1] .. head) == 1 then break end
  redis.call('LPOP', KEYS[1])
end
if redis.call('LLEN', KEYS[1]) >= tonumber(ARGV[4]) then return -1 end
local n = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('SET', ARGV[1] .. n, ARGV[2], 'EX', ARGV[3])
redis.call('RPUSH', KEYS[1], n)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return n`;
// KEYS: queue list. ARGV: blob key prefix. Returns [expiredCount, blob1, blob2, ...].
const DRAIN = `
local ids = redis.call('LRANGE', KEYS[1], 0, -1)
redis.call('DEL', KEYS[1])
local out = {0}
for _, id in ipairs(ids) do
  local k = ARGV[1] .. id
  local b = redis.call('GET', k)
  if b then redis.call('DEL', k); out[#out + 1] = b else out[1] = out[1] + 1 end
end
return out`;

type Scripts = {
  lethe_claim(k1: string, k2: string, mb: string, ttl: number): Promise<number>;
  lethe_refresh(k1: string, mb: string, ttl: number): Promise<number>;
  lethe_release(k1: string, k2: string, mb: string, cooldown: number): Promise<number>;
  lethe_take(k1: string, k2: string, cooldown: number): Promise<string | number>;
  lethe_clear_present(k1: string, token: string): Promise<number>;
  lethe_hold(q: string, sq: string, bprefix: string, blob: Buffer, ttl: number, max: number): Promise<number>;
  lethe_drainBuffer(q: string, bprefix: string): Promise<[number, ...Buffer[]]>;
};

function defineScripts(r: Redis): Redis & Scripts {
  const defs: [string, number, string][] = [
    ["lethe_claim", 2, CLAIM],
    ["lethe_refresh", 1, REFRESH],
    ["lethe_release", 2, RELEASE],
    ["lethe_take", 2, TAKE],
    ["lethe_clear_present", 1, CLEAR_PRESENT],
    ["lethe_hold", 2, HOLD],
    ["lethe_drain", 1, DRAIN],
  ];
  for (const [name, numberOfKeys, lua] of defs) r.defineCommand(name, { numberOfKeys, lua });
  return r as Redis & Scripts;
}

const KIND_BLOB = 0;
const KIND_PEER = 1;

export function redisStore(options: RedisStoreOptions = {}): RelayStore {
  const prefix = options.prefix ?? "lethe:";
  const ttl = options.ttlSeconds ?? 60;
  const cooldown = options.nameplateCooldownSeconds ?? 60;
  const random = options.random ?? Math.random;
  const owned = options.client === undefined;
  const base = options.client ?? new Redis(options.url ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 3 });
  const redis = defineScripts(owned ? base : base.duplicate());
  const sub = base.duplicate();
  // A SUBSCRIBE that overtakes ioredis's ready check (INFO) puts the connection in subscriber
  // mode first; the INFO then fails, the connection is dropped and the subscription is lost.
  // So nothing subscribes before the subscriber connection is ready.
  const subReady = new Promise<void>((resolve) => {
    if (sub.status === "ready") resolve();
    else sub.once("ready", () => resolve());
  });
  const listeners = new Map<string, Set<(e: StoreEvent) => void>>();
  const ready = new Map<string, Promise<void>>();
  let closed = false;

  sub.on("messageBuffer", (channel: Buffer, message: Buffer) => {
    const set = listeners.get(channel.toString("latin1"));
    if (!set || message.length === 0) return;
    const kind = message[0];
    let event: StoreEvent;
    if (kind === KIND_BLOB) event = { kind: "blob", blob: new Uint8Array(message.buffer, message.byteOffset + 1, message.length - 1) };
    else if (kind === KIND_PEER) event = { kind: "peer" };
    else return;
    for (const l of [...set]) l(event);
  });
  // Errors surface on commands; an unhandled 'error' event would crash the process.
  redis.on("error", () => {});
  sub.on("error", () => {});

  const np = (n: string) => `${prefix}np:${n}`;
  const cd = (n: string) => `${prefix}cd:${n}`;
  const side = (kind: string, mb: string, s: Side) => `${prefix}${kind}:${mb}:${s}`;

  async function countKeys(match: string): Promise<number> {
    let cursor = "0";
    let n = 0;
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", match, "COUNT", 1000);
      cursor = next;
      n += keys.length;
    } while (cursor !== "0");
    return n;
  }

  return {
    kind: "redis",
    ttlSeconds: ttl,
    async claimNameplate(mailbox) {
      for (const n of nameplateCandidates(random)) {
        if ((await redis.lethe_claim(np(n), cd(n), mailbox, ttl)) === 1) return n;
      }
      return undefined;
    },
    async refreshNameplate(n, mailbox) {
      return (await redis.lethe_refresh(np(n), mailbox, ttl)) === 1;
    },
    async releaseNameplate(n, mailbox) {
      await redis.lethe_release(np(n), cd(n), mailbox, cooldown);
    },
    async takeNameplate(n): Promise<TakeResult> {
      const r = await redis.lethe_take(np(n), cd(n), cooldown);
      if (typeof r === "string") return { ok: true, mailbox: r };
      return { ok: false, reason: r === 1 ? "crowded" : "not_found" };
    },
    async setPresent(mb, s, token) {
      await redis.set(side("pr", mb, s), token, "EX", ttl);
    },
    async clearPresent(mb, s, token) {
      await redis.lethe_clear_present(side("pr", mb, s), token);
    },
    async isPresent(mb, s) {
      return (await redis.exists(side("pr", mb, s))) === 1;
    },
    async hold(mb, s, blob, maxHeld): Promise<HoldResult> {
      const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
      const n = await redis.lethe_hold(side("q", mb, s), side("sq", mb, s), `${side("b", mb, s)}:`, buf, ttl, maxHeld);
      return n < 0 ? "full" : "held";
    },
    async drain(mb, s): Promise<DrainResult> {
      const [expired, ...blobs] = await redis.lethe_drainBuffer(side("q", mb, s), `${side("b", mb, s)}:`);
      const n = Number(expired);
      return { blobs: blobs.map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)), expired: n };
    },
    async publish(mb, s, event) {
      const msg =
        event.kind === "blob"
          ? Buffer.concat([Buffer.of(KIND_BLOB), Buffer.from(event.blob.buffer, event.blob.byteOffset, event.blob.byteLength)])
          : Buffer.of(KIND_PEER);
      await redis.publish(side("ch", mb, s), msg);
    },
    async subscribe(mb, s, listener) {
      const ch = side("ch", mb, s);
      let set = listeners.get(ch);
      if (!set) {
        listeners.set(ch, (set = new Set()));
        ready.set(
          ch,
          subReady.then(() => sub.subscribe(ch)).then(() => undefined),
        );
      }
      set.add(listener);
      // A second subscriber on the same channel waits for the first SUBSCRIBE to be live too.
      await ready.get(ch);
      return async () => {
        const cur = listeners.get(ch);
        if (!cur) return;
        cur.delete(listener);
        if (cur.size === 0) {
          listeners.delete(ch);
          ready.delete(ch);
          if (!closed) await sub.unsubscribe(ch).catch(() => {});
        }
      };
    },
    async stats(): Promise<StoreStats> {
      const [heldBlobs, nameplates] = await Promise.all([countKeys(`${prefix}b:*`), countKeys(`${prefix}np:*`)]);
      return { heldBlobs, nameplates };
    },
    async close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      // `redis` is ours either way (the given client was duplicated), so both are quit.
      await Promise.allSettled([sub.quit(), redis.quit()]);
    },
  };
}
