/**
 * Redis relay store: N relay instances sharing one Redis serve one population. Every key is
 * written with a TTL (default 60 s) so Redis forgets on its own even if every relay dies. Each
 * client request is one Lua script (store/redis-scripts.ts), i.e. one round trip. Events for a subscriber
 * of this relay come back in the reply of the script that caused them; events for another
 * relay's subscriber reach it through that instance's channel (the instance is named in the
 * presence token), so no request ever waits for a SUBSCRIBE: each relay subscribes once, when it
 * starts.
 */
import type { Redis } from "ioredis";
import { requireOptional } from "../../require-optional.js";
import { DEFAULT_JOINED_COOLDOWN_SECONDS, DEFAULT_RELEASED_COOLDOWN_SECONDS, DEFAULT_TTL_SECONDS } from "./memory.js";
import { HOST, JOIN, KIND_BLOB, KIND_PEER, KIND_REPLACED, LEAVE, OPEN, POST, REFRESH, STATS } from "./redis-scripts.js";
import { tokenInstance, type JoinResult, type OpenResult, type PostResult, type RelayStore, type StoreDelivery, type StoreEvent } from "./types.js";

export interface RedisStoreOptions {
  /** `redis://host:port/db`; ignored if `client` is given. */
  readonly url?: string;
  /** An existing connection (not closed by the store). Duplicates are made for commands and pub/sub. */
  readonly client?: Redis;
  /** Prefix for every key and channel, e.g. `lethe:`. */
  readonly prefix?: string;
  /** Seconds every key lives. Default 60. */
  readonly ttlSeconds?: number;
  /** A nameplate taken by a joiner is not handed out again for this long. Default 15. */
  readonly nameplateCooldownSeconds?: number;
  /** A nameplate released without a join cools down this long. Default 60. */
  readonly releasedNameplateCooldownSeconds?: number;
  /** Counts every Redis request batch the store sends (for /metrics and the bench). */
  readonly onRoundTrip?: () => void;
}

type Reply = (string | Buffer | number | null)[];
type Scripts = {
  lethe_host(...args: (string | number)[]): Promise<string | null>;
  /** The *Buffer variants return bulk strings as Buffers: held blobs are bytes, not UTF-8. */
  lethe_joinBuffer(...args: (string | number)[]): Promise<Reply>;
  lethe_openBuffer(...args: (string | number)[]): Promise<Reply>;
  lethe_post(...args: (string | number | Buffer)[]): Promise<Reply>;
  lethe_leave(...args: (string | number)[]): Promise<number>;
  lethe_refresh(...args: (string | number)[]): Promise<number>;
  lethe_stats(...args: (string | number)[]): Promise<[number, number]>;
};

function defineScripts(r: Redis): Redis & Scripts {
  const defs: [string, string][] = [
    ["lethe_host", HOST],
    ["lethe_join", JOIN],
    ["lethe_open", OPEN],
    ["lethe_post", POST],
    ["lethe_leave", LEAVE],
    ["lethe_refresh", REFRESH],
    ["lethe_stats", STATS],
  ];
  for (const [name, lua] of defs) r.defineCommand(name, { numberOfKeys: 0, lua });
  return r as Redis & Scripts;
}

const asBytes = (b: string | Buffer | number | null): Uint8Array =>
  Buffer.isBuffer(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(Buffer.from(String(b ?? ""), "latin1"));

const SIGNALS: Record<number, StoreEvent> = { [KIND_PEER]: { kind: "peer" }, [KIND_REPLACED]: { kind: "replaced" } };

/** The event a kind byte names, from a script's reply or a channel message; a blob event needs its bytes. */
function eventOf(kind: number, blob: Uint8Array | undefined): StoreEvent | undefined {
  return kind === KIND_BLOB ? (blob === undefined ? undefined : { kind: "blob", blob }) : SIGNALS[kind];
}

export function redisStore(options: RedisStoreOptions = {}): RelayStore {
  const prefix = options.prefix ?? "lethe:";
  const ttl = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  const cdJ = (options.nameplateCooldownSeconds ?? DEFAULT_JOINED_COOLDOWN_SECONDS) * 1000;
  const cdR = (options.releasedNameplateCooldownSeconds ?? DEFAULT_RELEASED_COOLDOWN_SECONDS) * 1000;
  const roundTrip = options.onRoundTrip ?? (() => {});
  // No auto-pipelining: it builds a Pipeline object per batch and holds a batch while the previous
  // one is in flight. Measured (bench:relay, alternating runs) the relay's CPU per pairing at
  // C = 1 was 2.3x the bare-ws floor with it and 1.8x without, and no lower with it at C = 10-500
  // (Redis then reads more, smaller batches: 0.15-0.4 ms of its CPU per pairing). Scripts go
  // out in the order they are called, on one connection, so a refresh and a later leave of the
  // same side run in that order.
  const redisOptions = { maxRetriesPerRequest: 3, enableAutoPipelining: false } as const;
  // ioredis is an optional peer dependency: loaded only when the relay is asked to use Redis.
  const base = options.client ?? new (requireOptional<typeof import("ioredis")>("ioredis").Redis)(options.url ?? "redis://127.0.0.1:6379", redisOptions);
  const owned = options.client === undefined;
  const redis = defineScripts(owned ? base : base.duplicate(redisOptions));
  const sub = redis.duplicate();
  // Errors surface on commands; an unhandled 'error' event would crash the process.
  redis.on("error", () => {}); // ...the failing command rejects and the caller answers `internal`
  sub.on("error", () => {}); // ...ioredis reconnects and re-subscribes on its own
  const deliveries = new Map<string, StoreDelivery>();
  /** ",id,id," of the attached instances: the scripts hand their events back rather than PUBLISH them. */
  let local = ",";
  let closed = false;

  /**
   * The local events a script handed back (count, then kind/token pairs from `at`), delivered as
   * PUBLISH would have, before the caller sees the reply (the memory store delivers within its
   * call too); a blob event carries the poster's own bytes. Returns the index after them.
   */
  function deliverLocal(reply: Reply, at: number, blob?: Uint8Array): number {
    const count = Number(reply[at]);
    let i = at + 1;
    for (let n = 0; n < count; n++, i += 2) {
      const token = String(reply[i + 1]);
      const event = eventOf(Number(reply[i]), blob);
      if (event) deliveries.get(tokenInstance(token))?.(token, event);
    }
    return i;
  }

  /** [peer, expired, #local, local..., ...blobs] from the open-side script. */
  function openResult(reply: Reply, from: number): OpenResult {
    const blobsAt = deliverLocal(reply, from + 2);
    return {
      peerPresent: Number(reply[from]) === 1,
      expired: Number(reply[from + 1]),
      blobs: reply.slice(blobsAt).map(asBytes),
    };
  }

  sub.on("messageBuffer", (channel: Buffer, message: Buffer) => {
    const deliver = deliveries.get(channel.toString("latin1").slice(prefix.length + 5));
    if (!deliver || message.length < 2) return;
    const tokenEnd = 2 + message[1]!;
    const token = message.toString("latin1", 2, tokenEnd);
    const kind = message[0]!;
    const blob = kind === KIND_BLOB ? new Uint8Array(message.buffer, message.byteOffset + tokenEnd, message.length - tokenEnd) : undefined;
    const event = eventOf(kind, blob);
    if (event) deliver(token, event);
  });

  return {
    kind: "redis",
    ttlSeconds: ttl,
    async attach(instanceId, deliver) {
      deliveries.set(instanceId, deliver);
      local = `,${[...deliveries.keys()].join(",")},`;
      // A SUBSCRIBE that overtakes ioredis's ready check puts the connection in subscriber mode
      // first and the check fails; so subscribe once the connection is ready.
      if (sub.status !== "ready") await new Promise<void>((resolve) => sub.once("ready", () => resolve()));
      await sub.subscribe(`${prefix}inst:${instanceId}`);
    },
    async host(mailbox, token) {
      roundTrip();
      const n = await redis.lethe_host(prefix, ttl, cdJ, cdR, mailbox, token);
      return n === null ? undefined : String(n);
    },
    async join(nameplate, token): Promise<JoinResult> {
      roundTrip();
      const reply = await redis.lethe_joinBuffer(prefix, ttl, cdJ, cdR, nameplate, token, local);
      const code = Number(reply[0]);
      if (code === 0) return { ok: false, reason: "not_found" };
      if (code === 1) return { ok: false, reason: "crowded" };
      return { ok: true, mailbox: String(reply[1]), ...openResult(reply, 2) };
    },
    async open(mailbox, side, token) {
      roundTrip();
      return openResult(await redis.lethe_openBuffer(prefix, ttl, mailbox, side, token, local), 0);
    },
    async post(mailbox, to, blob, maxHeld): Promise<PostResult> {
      roundTrip();
      const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
      const reply = await redis.lethe_post(prefix, ttl, mailbox, to, buf, maxHeld, local);
      const code = Number(reply[0]);
      if (code === 0) {
        deliverLocal(reply, 1, blob);
        return { status: "delivered" };
      }
      return { status: code === 1 ? "held" : "full", expired: Number(reply[1] ?? 0) };
    },
    async leave(mailbox, side, token, nameplate) {
      roundTrip();
      await redis.lethe_leave(prefix, ttl, cdJ, cdR, mailbox, side, token, nameplate ?? "");
    },
    async refresh(subscribers) {
      // One script per 256 subscribers.
      const jobs: Promise<number>[] = [];
      for (let i = 0; i < subscribers.length; i += 256) {
        const args: (string | number)[] = [prefix, ttl];
        for (const s of subscribers.slice(i, i + 256)) args.push(s.mailbox, s.side, s.token, s.nameplate ?? "");
        roundTrip();
        jobs.push(redis.lethe_refresh(...args));
      }
      await Promise.all(jobs);
    },
    async stats() {
      roundTrip();
      const [heldBlobs, nameplates] = await redis.lethe_stats(prefix, ttl);
      return { heldBlobs: Number(heldBlobs), nameplates: Number(nameplates) };
    },
    async close() {
      if (closed) return;
      closed = true;
      deliveries.clear();
      local = ",";
      // The command and subscriber connections are ours either way (a given client was duplicated).
      await Promise.allSettled([sub.quit(), redis.quit()]);
    },
  };
}
