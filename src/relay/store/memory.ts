/**
 * In-memory relay store: the embedded default for a single relay instance. Time comes from the
 * injected clock, so TTLs and cool-downs are driven by a simulated clock in tests. Expired
 * records are dropped lazily on access and by a periodic sweep, so memory stays bounded by
 * (records created per TTL window) even if nobody ever comes back for them.
 */
import { systemClock, type RelayClock } from "../clock.js";
import { nameplateCandidates } from "./nameplates.js";
import type { DrainResult, HoldResult, RelayStore, Side, StoreEvent, StoreStats, TakeResult } from "./types.js";

export interface MemoryStoreOptions {
  readonly clock?: RelayClock;
  readonly ttlSeconds?: number;
  readonly nameplateCooldownSeconds?: number;
  /** Called when held blobs expire unread (for metrics). */
  readonly onExpired?: (count: number) => void;
  readonly random?: () => number;
}

interface Held {
  readonly blob: Uint8Array;
  readonly expiresAt: number;
}

const key = (mailbox: string, side: Side) => `${mailbox}:${side}`;

export function memoryStore(options: MemoryStoreOptions = {}): RelayStore {
  const clock = options.clock ?? systemClock;
  const ttlSeconds = options.ttlSeconds ?? 60;
  const ttlMs = ttlSeconds * 1000;
  const cooldownMs = (options.nameplateCooldownSeconds ?? 60) * 1000;
  const random = options.random ?? Math.random;

  const nameplates = new Map<string, { mailbox: string; expiresAt: number }>();
  /** Cool-down per nameplate: until when, and whether a joiner took it (then a third party is "crowded"). */
  const cooling = new Map<string, { until: number; joined: boolean }>();
  const presence = new Map<string, { token: string; expiresAt: number }>();
  const held = new Map<string, Held[]>();
  const listeners = new Map<string, Set<(e: StoreEvent) => void>>();
  let closed = false;

  const live = (expiresAt: number) => expiresAt > clock.now();

  function liveNameplate(np: string) {
    const rec = nameplates.get(np);
    if (rec && !live(rec.expiresAt)) {
      // Expiry means its relay stopped refreshing it (a crash); like Redis, no cool-down then.
      nameplates.delete(np);
      return undefined;
    }
    return rec;
  }
  function coolingRecord(np: string) {
    const rec = cooling.get(np);
    if (rec === undefined) return undefined;
    if (rec.until > clock.now()) return rec;
    cooling.delete(np);
    return undefined;
  }
  const isCooling = (np: string) => coolingRecord(np) !== undefined;
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
    return n;
  }

  let sweepTimer: unknown;
  function sweep() {
    sweepTimer = undefined;
    if (closed) return;
    let expired = 0;
    for (const k of [...held.keys()]) expired += prune(k);
    if (expired > 0) options.onExpired?.(expired);
    for (const np of [...nameplates.keys()]) liveNameplate(np);
    for (const np of [...cooling.keys()]) isCooling(np);
    for (const [k, p] of [...presence]) if (!live(p.expiresAt)) presence.delete(k);
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
    async claimNameplate(mailbox) {
      for (const np of nameplateCandidates(random)) {
        if (liveNameplate(np) || isCooling(np)) continue;
        nameplates.set(np, { mailbox, expiresAt: clock.now() + ttlMs });
        schedule();
        return np;
      }
      return undefined;
    },
    async refreshNameplate(np, mailbox) {
      const rec = liveNameplate(np);
      if (!rec || rec.mailbox !== mailbox) return false;
      rec.expiresAt = clock.now() + ttlMs;
      return true;
    },
    async releaseNameplate(np, mailbox) {
      const rec = liveNameplate(np);
      if (!rec || rec.mailbox !== mailbox) return;
      nameplates.delete(np);
      cooling.set(np, { until: clock.now() + cooldownMs, joined: false });
      schedule();
    },
    async takeNameplate(np): Promise<TakeResult> {
      const rec = liveNameplate(np);
      if (!rec) return { ok: false, reason: coolingRecord(np)?.joined ? "crowded" : "not_found" };
      nameplates.delete(np);
      cooling.set(np, { until: clock.now() + cooldownMs, joined: true });
      schedule();
      return { ok: true, mailbox: rec.mailbox };
    },
    async setPresent(mailbox, side, token) {
      presence.set(key(mailbox, side), { token, expiresAt: clock.now() + ttlMs });
      schedule();
    },
    async clearPresent(mailbox, side, token) {
      const k = key(mailbox, side);
      if (presence.get(k)?.token === token) presence.delete(k);
    },
    async isPresent(mailbox, side) {
      const p = presence.get(key(mailbox, side));
      return p !== undefined && live(p.expiresAt);
    },
    async hold(mailbox, side, blob, maxHeld): Promise<HoldResult> {
      const k = key(mailbox, side);
      const dropped = prune(k);
      if (dropped > 0) options.onExpired?.(dropped);
      const q = held.get(k) ?? [];
      if (q.length >= maxHeld) return "full";
      // Copy: the caller's buffer may be reused; the store owns what it holds.
      q.push({ blob: blob.slice(), expiresAt: clock.now() + ttlMs });
      held.set(k, q);
      schedule();
      return "held";
    },
    async drain(mailbox, side): Promise<DrainResult> {
      const k = key(mailbox, side);
      const expired = prune(k);
      const q = held.get(k) ?? [];
      held.delete(k);
      return { blobs: q.map((h) => h.blob), expired };
    },
    async publish(mailbox, side, event) {
      const set = listeners.get(key(mailbox, side));
      if (!set) return;
      for (const l of [...set]) l(event);
    },
    async subscribe(mailbox, side, listener) {
      const k = key(mailbox, side);
      let set = listeners.get(k);
      if (!set) listeners.set(k, (set = new Set()));
      set.add(listener);
      return async () => {
        const s = listeners.get(k);
        s?.delete(listener);
        if (s && s.size === 0) listeners.delete(k);
      };
    },
    async stats(): Promise<StoreStats> {
      let heldBlobs = 0;
      for (const q of held.values()) heldBlobs += q.length;
      return { heldBlobs, nameplates: nameplates.size };
    },
    async close() {
      closed = true;
      if (sweepTimer !== undefined) clock.clearTimeout(sweepTimer);
      sweepTimer = undefined;
      held.clear();
      nameplates.clear();
      cooling.clear();
      presence.clear();
      listeners.clear();
    },
  };
}
