/**
 * In-memory relay store: the embedded default for a single relay instance (or several servers
 * in one process sharing it). Time comes from the injected clock, so TTLs and cool-downs are
 * driven by a simulated clock in tests. Expired records are dropped lazily on access and by a
 * sweep while there is anything to sweep, so memory stays bounded by what one TTL window holds.
 * Counters for /metrics are kept as records change: a scrape costs O(1).
 */
import { unrefSystemClock, type Clock } from "../../clock.js";
import { otherSide, SIDES } from "../../protocol/rendezvous.js";
import { NameplatePool, RecentNameplates } from "./nameplates.js";
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

export const DEFAULT_TTL_SECONDS = 60;
export const DEFAULT_JOINED_COOLDOWN_SECONDS = 15;
export const DEFAULT_RELEASED_COOLDOWN_SECONDS = 60;

export function memoryStore(options: MemoryStoreOptions = {}): RelayStore {
  const clock = options.clock ?? unrefSystemClock;
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  const ttlMs = ttlSeconds * 1000;

  const nameplates = new Map<string, { mailbox: string; expiresAt: number }>();
  /** Recently taken/released nameplates: whether a joiner took it ("crowded" to a third party), until when that is said. */
  const recent = new RecentNameplates();
  // One map per side, keyed by mailbox id: no `${mailbox}:${side}` string to build, flatten and
  // hash on every call.
  const presence: Record<Side, Map<string, { token: string; expiresAt: number }>> = { host: new Map(), join: new Map() };
  const held: Record<Side, Map<string, Held[]>> = { host: new Map(), join: new Map() };
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
    recent.record(np, joined, at + ttlMs);
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
  function presentToken(mailbox: string, side: Side): string | undefined {
    const p = presence[side].get(mailbox);
    if (p === undefined) return undefined;
    if (live(p.expiresAt)) return p.token;
    presence[side].delete(mailbox);
    return undefined;
  }
  function send(token: string, event: StoreEvent): void {
    instances.get(tokenInstance(token))?.(token, event);
  }
  /** Drop expired blobs at the head of a queue; returns how many were dropped. */
  function prune(mailbox: string, side: Side): number {
    const q = held[side].get(mailbox);
    if (!q) return 0;
    let n = 0;
    while (q.length > 0 && !live(q[0]!.expiresAt)) {
      q.shift();
      n++;
    }
    if (q.length === 0) held[side].delete(mailbox);
    heldCount -= n;
    return n;
  }
  function openSide(mailbox: string, side: Side, token: string): OpenResult {
    const old = presentToken(mailbox, side);
    presence[side].set(mailbox, { token, expiresAt: now() + ttlMs });
    if (old !== undefined && old !== token) send(old, { kind: "replaced" });
    const peer = presentToken(mailbox, otherSide(side));
    if (peer !== undefined) send(peer, { kind: "peer" });
    const expired = prune(mailbox, side);
    const q = held[side].get(mailbox) ?? [];
    held[side].delete(mailbox);
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
    for (const side of SIDES) for (const mailbox of held[side].keys()) expired += prune(mailbox, side);
    if (expired > 0) options.onExpired?.(expired);
    for (const np of nameplates.keys()) liveNameplate(np);
    recent.forgetDue(now());
    for (const side of SIDES) for (const mailbox of presence[side].keys()) presentToken(mailbox, side);
    schedule();
  }
  function schedule() {
    // Sweep only while there is something to sweep, so an idle store schedules nothing.
    if (sweepTimer !== undefined || closed) return;
    if (held.host.size + held.join.size + nameplates.size + recent.size + presence.host.size + presence.join.size === 0) return;
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
      recent.forget(np);
      presence.host.set(mailbox, { token, expiresAt: now() + ttlMs });
      schedule();
      return np;
    },
    async join(np, token): Promise<JoinResult> {
      const rec = liveNameplate(np);
      if (!rec) {
        return { ok: false, reason: recent.joinedRecently(np, now()) ? "crowded" : "not_found" };
      }
      nameplates.delete(np);
      coolDown(np, true);
      return { ok: true, mailbox: rec.mailbox, ...openSide(rec.mailbox, "join", token) };
    },
    async open(mailbox, side, token) {
      return openSide(mailbox, side, token);
    },
    async post(mailbox, to, blob, maxHeld): Promise<PostResult> {
      const peer = presentToken(mailbox, to);
      if (peer !== undefined) {
        send(peer, { kind: "blob", blob });
        return { status: "delivered" };
      }
      const expired = prune(mailbox, to);
      const q = held[to].get(mailbox) ?? [];
      if (q.length >= maxHeld) return { status: "full", expired };
      // Copy: the caller's buffer may be reused; the store owns what it holds.
      q.push({ blob: blob.slice(), expiresAt: now() + ttlMs });
      held[to].set(mailbox, q);
      heldCount++;
      schedule();
      return { status: "held", expired };
    },
    async leave(mailbox, side, token, np) {
      if (presence[side].get(mailbox)?.token === token) presence[side].delete(mailbox);
      if (np === undefined) return;
      const rec = liveNameplate(np);
      if (!rec || rec.mailbox !== mailbox) return;
      nameplates.delete(np);
      coolDown(np, false);
    },
    async refresh(subscribers) {
      const until = now() + ttlMs;
      for (const s of subscribers) {
        const p = presence[s.side].get(s.mailbox);
        // Re-assert presence unless a newer opener took the side.
        if (p === undefined || p.token === s.token) presence[s.side].set(s.mailbox, { token: s.token, expiresAt: until });
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
      for (const side of SIDES) {
        held[side].clear();
        presence[side].clear();
      }
      nameplates.clear();
      recent.clear();
      instances.clear();
      heldCount = 0;
    },
  };
}
