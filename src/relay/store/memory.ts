/**
 * In-memory relay store: the embedded default for a single relay instance (or several servers
 * in one process sharing it). Time comes from the injected clock, so TTLs and cool-downs are
 * driven by a simulated clock in tests. Expired records are dropped lazily on access and by a
 * sweep while there is anything to sweep, so memory stays bounded by what one TTL window holds.
 * Counters for /metrics are kept as records change: a scrape costs O(1).
 */
import { unrefSystemClock, type Clock } from "../../clock.js";
import { NameplatePool } from "./nameplates.js";
import { tokenInstance, type JoinResult, type OpenResult, type PostResult, type RelayStore, type Side, type StoreDelivery, type StoreEvent } from "./types.js";

export interface MemoryStoreOptions {
  readonly clock?: Clock;
  /** Seconds every record lives. Default 60. */
  readonly ttlSeconds?: number;
  /** A nameplate taken by a joiner is not handed out again for this long. Default 15. */
  readonly nameplateCooldownSeconds?: number;
  /** A nameplate released without a join (its host gave up) cools down this long. Default 60. */
  readonly releasedNameplateCooldownSeconds?: number;
  /** Called when held blobs expire unread (for metrics). */
  readonly onExpired?: (count: number) => void;
  readonly random?: () => number;
}

interface Held {
  readonly blob: Uint8Array;
  readonly expiresAt: number;
}

const key = (mailbox: string, side: Side) => `${mailbox}:${side}`;
const other = (side: Side): Side => (side === "host" ? "join" : "host");

export const DEFAULT_TTL_SECONDS = 60;
export const DEFAULT_JOINED_COOLDOWN_SECONDS = 15;
export const DEFAULT_RELEASED_COOLDOWN_SECONDS = 60;

export function memoryStore(options: MemoryStoreOptions = {}): RelayStore {
  const clock = options.clock ?? unrefSystemClock;
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  const ttlMs = ttlSeconds * 1000;

  const nameplates = new Map<string, { mailbox: string; expiresAt: number }>();
  /** Recently taken/released nameplates: whether a joiner took it ("crowded" to a third party), until when that is said. */
  const cooling = new Map<string, { joined: boolean; forgetAt: number }>();
  const presence = new Map<string, { token: string; expiresAt: number }>();
  const held = new Map<string, Held[]>();
  const instances = new Map<string, StoreDelivery>();
  let heldCount = 0;
  let closed = false;

  const now = () => clock.now();
  const live = (expiresAt: number) => expiresAt > now();
  const pool = new NameplatePool({
    joinedCooldownMs: (options.nameplateCooldownSeconds ?? DEFAULT_JOINED_COOLDOWN_SECONDS) * 1000,
    releasedCooldownMs: (options.releasedNameplateCooldownSeconds ?? DEFAULT_RELEASED_COOLDOWN_SECONDS) * 1000,
    random: options.random ?? Math.random,
    usable: (np) => liveNameplate(np) === undefined,
  });

  function coolDown(np: string, joined: boolean, at = now()): void {
    // Deleted first so the map stays in the order entries were (re)made: the sweep stops at the first live one.
    cooling.delete(np);
    cooling.set(np, { joined, forgetAt: at + ttlMs });
    pool.giveBack(np, joined ? "joined" : "released", at);
    schedule();
  }
  function liveNameplate(np: string) {
    const rec = nameplates.get(np);
    if (rec && !live(rec.expiresAt)) {
      // Its relay stopped refreshing it: free it as if released when it expired.
      nameplates.delete(np);
      coolDown(np, false, rec.expiresAt);
      return undefined;
    }
    return rec;
  }
  function presentToken(k: string): string | undefined {
    const p = presence.get(k);
    if (p === undefined) return undefined;
    if (live(p.expiresAt)) return p.token;
    presence.delete(k);
    return undefined;
  }
  function send(token: string, event: StoreEvent): void {
    instances.get(tokenInstance(token))?.(token, event);
  }
  /** Drop expired blobs at the head of a queue; returns how many were dropped. */
  function prune(k: string): number {
    const q = held.get(k);
    if (!q) return 0;
    let n = 0;
    while (q.length > 0 && !live(q[0]!.expiresAt)) {
      q.shift();
      n++;
    }
    if (q.length === 0) held.delete(k);
    heldCount -= n;
    return n;
  }
  function openSide(mailbox: string, side: Side, token: string): OpenResult {
    const k = key(mailbox, side);
    const old = presentToken(k);
    presence.set(k, { token, expiresAt: now() + ttlMs });
    if (old !== undefined && old !== token) send(old, { kind: "replaced" });
    const peer = presentToken(key(mailbox, other(side)));
    if (peer !== undefined) send(peer, { kind: "peer" });
    const expired = prune(k);
    const q = held.get(k) ?? [];
    held.delete(k);
    heldCount -= q.length;
    schedule();
    return { blobs: q.map((h) => h.blob), expired, peerPresent: peer !== undefined };
  }

  let sweepTimer: unknown;
  function sweep() {
    sweepTimer = undefined;
    if (closed) return;
    let expired = 0;
    // Deleting the entry being visited is safe while iterating a Map: no copies of the keys.
    for (const k of held.keys()) expired += prune(k);
    if (expired > 0) options.onExpired?.(expired);
    for (const np of nameplates.keys()) liveNameplate(np);
    // Oldest first: only the expired head is visited, not every nameplate of the last TTL. (One
    // made from a nameplate record that expired — found by this sweep, so at most a sweep ago —
    // can be due up to that much before the entries ahead of it; it goes with them.)
    const t = now();
    for (const [np, c] of cooling) {
      if (c.forgetAt > t) break;
      cooling.delete(np);
    }
    for (const k of presence.keys()) presentToken(k);
    schedule();
  }
  function schedule() {
    // Sweep only while there is something to sweep, so an idle store schedules nothing.
    if (sweepTimer !== undefined || closed) return;
    if (held.size + nameplates.size + cooling.size + presence.size === 0) return;
    sweepTimer = clock.setTimeout(sweep, Math.min(ttlMs, 1000));
  }

  return {
    kind: "memory",
    ttlSeconds,
    async attach(instanceId, deliver) {
      instances.set(instanceId, deliver);
    },
    async host(mailbox, token) {
      const np = pool.take(now());
      if (np === undefined) return undefined;
      nameplates.set(np, { mailbox, expiresAt: now() + ttlMs });
      cooling.delete(np);
      presence.set(key(mailbox, "host"), { token, expiresAt: now() + ttlMs });
      schedule();
      return np;
    },
    async join(np, token): Promise<JoinResult> {
      const rec = liveNameplate(np);
      if (!rec) {
        const c = cooling.get(np);
        return { ok: false, reason: c && live(c.forgetAt) && c.joined ? "crowded" : "not_found" };
      }
      nameplates.delete(np);
      coolDown(np, true);
      return { ok: true, mailbox: rec.mailbox, ...openSide(rec.mailbox, "join", token) };
    },
    async open(mailbox, side, token) {
      return openSide(mailbox, side, token);
    },
    async post(mailbox, to, blob, maxHeld): Promise<PostResult> {
      const k = key(mailbox, to);
      const peer = presentToken(k);
      if (peer !== undefined) {
        send(peer, { kind: "blob", blob });
        return { status: "delivered" };
      }
      const expired = prune(k);
      const q = held.get(k) ?? [];
      if (q.length >= maxHeld) return { status: "full", expired };
      // Copy: the caller's buffer may be reused; the store owns what it holds.
      q.push({ blob: blob.slice(), expiresAt: now() + ttlMs });
      held.set(k, q);
      heldCount++;
      schedule();
      return { status: "held", expired };
    },
    async leave(mailbox, side, token, np) {
      const k = key(mailbox, side);
      if (presence.get(k)?.token === token) presence.delete(k);
      if (np === undefined) return;
      const rec = liveNameplate(np);
      if (!rec || rec.mailbox !== mailbox) return;
      nameplates.delete(np);
      coolDown(np, false);
    },
    async refresh(subscribers) {
      const until = now() + ttlMs;
      for (const s of subscribers) {
        const k = key(s.mailbox, s.side);
        const p = presence.get(k);
        // Re-assert presence unless a newer opener took the side.
        if (p === undefined || p.token === s.token) presence.set(k, { token: s.token, expiresAt: until });
        if (s.nameplate === undefined) continue;
        const rec = liveNameplate(s.nameplate);
        if (rec && rec.mailbox === s.mailbox) rec.expiresAt = until;
      }
      schedule();
    },
    async stats() {
      return { heldBlobs: heldCount, nameplates: nameplates.size };
    },
    async close() {
      closed = true;
      if (sweepTimer !== undefined) clock.clearTimeout(sweepTimer);
      sweepTimer = undefined;
      held.clear();
      nameplates.clear();
      cooling.clear();
      presence.clear();
      instances.clear();
      heldCount = 0;
    },
  };
}
