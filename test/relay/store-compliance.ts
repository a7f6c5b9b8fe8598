/**
 * Relay store compliance suite: every RelayStore (memory, Redis) runs these same tests.
 * `setup` returns a fresh store plus `expire()`, which moves time past the store's TTL and
 * both nameplate cool-downs (a simulated clock for memory; real short TTLs awaited via
 * keyspace state for Redis). Events are observed through `attach`, as a relay instance does.
 */
import { describe, expect, it } from "vitest";
import type { RelayStore, StoreEvent } from "../../src/relay/store/types.js";

export interface StoreTestSetup {
  setup(): Promise<{ store: RelayStore; expire(): Promise<void> }>;
  teardown(store: RelayStore): Promise<void>;
}

export const mb = (n: number) => n.toString(16).padStart(32, "0");
const bytes = (...xs: number[]) => Uint8Array.from(xs);

/** Events per token, and a way to await the n-th one. */
export function inbox() {
  const events = new Map<string, StoreEvent[]>();
  const waiters: { token: string; n: number; resolve: () => void }[] = [];
  return {
    events,
    deliver(token: string, e: StoreEvent) {
      const list = events.get(token) ?? [];
      list.push(e);
      events.set(token, list);
      for (const w of waiters.filter((w) => w.token === token && list.length >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    },
    of: (token: string) => events.get(token) ?? [],
    until(token: string, n: number): Promise<void> {
      if ((events.get(token) ?? []).length >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ token, n, resolve }));
    },
  };
}

export function storeCompliance(name: string, t: StoreTestSetup): void {
  describe(`RelayStore compliance: ${name}`, () => {
    const withStore = async (fn: (s: RelayStore, box: ReturnType<typeof inbox>, expire: () => Promise<void>) => Promise<void>) => {
      const { store, expire } = await t.setup();
      const box = inbox();
      await store.attach("i1", box.deliver);
      await store.attach("i2", box.deliver);
      try {
        await fn(store, box, expire);
      } finally {
        await t.teardown(store);
      }
    };

    it("hosts on a small nameplate that a joiner takes once; the host is told peer; a second joiner is crowded", () =>
      withStore(async (s, box) => {
        const np = await s.host(mb(1), "i1.h");
        expect(np).toMatch(/^[1-9][0-9]?$/);
        const joined = await s.join(np!, "i2.j");
        expect(joined).toEqual({ ok: true, mailbox: mb(1), blobs: [], expired: 0, peerPresent: true });
        await box.until("i1.h", 1);
        expect(box.of("i1.h")).toEqual([{ kind: "peer" }]);
        expect(await s.join(np!, "i2.k")).toEqual({ ok: false, reason: "crowded" });
        expect(await s.join("424242", "i2.k")).toEqual({ ok: false, reason: "not_found" });
      }));

    it("hands out nameplates in O(1) tiers: 99 distinct ≤ 2 digits, then 3 digits; never one in use or cooling down", () =>
      withStore(async (s, _box, expire) => {
        const first = [];
        for (let i = 0; i < 99; i++) first.push(await s.host(mb(100 + i), `i1.h${i}`));
        expect(new Set(first).size).toBe(99);
        expect(first.every((n) => /^[1-9][0-9]?$/.test(n!))).toBe(true);
        expect(await s.host(mb(300), "i1.x")).toMatch(/^[1-9][0-9]{2}$/);
        // Joined (cool-down, "crowded") and released (cool-down, "not_found") ones stay out.
        const joined = first[0]!;
        const released = first[1]!;
        expect((await s.join(joined, "i2.j")).ok).toBe(true);
        await s.leave(mb(101), "host", "i1.h1", released);
        expect(await s.join(released, "i2.k")).toEqual({ ok: false, reason: "not_found" });
        for (let i = 0; i < 20; i++) expect([joined, released]).not.toContain(await s.host(mb(400 + i), `i1.y${i}`));
        expect(await s.join(joined, "i2.l")).toEqual({ ok: false, reason: "crowded" });
        // A leave by someone who no longer owns it changes nothing.
        await s.leave(mb(999), "host", "i1.zz", first[2]);
        expect((await s.join(first[2]!, "i2.m")).ok).toBe(true);
        await expire();
        // After the TTL and the cool-downs every small number is free again.
        const again = [];
        for (let i = 0; i < 99; i++) again.push(await s.host(mb(500 + i), `i1.a${i}`));
        expect(new Set(again).size).toBe(99);
        expect(again.every((n) => /^[1-9][0-9]?$/.test(n!))).toBe(true);
      }));

    it("delivers a post to the present side at once, else holds it in order up to the limit; open drains", () =>
      withStore(async (s, box) => {
        await s.open(mb(7), "host", "i1.h");
        const src = bytes(1, 2, 3);
        expect(await s.post(mb(7), "join", src, 3)).toEqual({ status: "held", expired: 0 });
        src[0] = 99; // the store owns a copy
        expect(await s.post(mb(7), "join", bytes(4), 3)).toMatchObject({ status: "held" });
        expect(await s.post(mb(7), "join", bytes(), 3)).toMatchObject({ status: "held" });
        expect(await s.post(mb(7), "join", bytes(5), 3)).toMatchObject({ status: "full" });
        expect((await s.stats()).heldBlobs).toBe(3);
        const opened = await s.open(mb(7), "join", "i2.j");
        expect(opened.peerPresent).toBe(true);
        expect(opened.blobs.map((b) => [...b])).toEqual([[1, 2, 3], [4], []]);
        expect((await s.stats()).heldBlobs).toBe(0);
        await box.until("i1.h", 1);
        expect(box.of("i1.h")).toEqual([{ kind: "peer" }]);
        const big = new Uint8Array(65536).map((_, i) => i & 0xff);
        expect(await s.post(mb(7), "host", big, 3)).toEqual({ status: "delivered" });
        expect(await s.post(mb(7), "join", bytes(0, 255, 7), 3)).toEqual({ status: "delivered" });
        await box.until("i1.h", 2);
        await box.until("i2.j", 1);
        const toHost = box.of("i1.h")[1]!;
        expect(toHost.kind === "blob" && Buffer.from(toHost.blob).equals(Buffer.from(big))).toBe(true);
        const toJoin = box.of("i2.j")[0]!;
        expect(toJoin.kind === "blob" && [...toJoin.blob]).toEqual([0, 255, 7]);
        expect((await s.open(mb(7), "join", "i2.j2")).blobs).toEqual([]);
      }));

    it("a newer opener replaces the older one, who is told; presence belongs to a token", () =>
      withStore(async (s, box) => {
        await s.open(mb(9), "host", "i1.a");
        await s.open(mb(9), "host", "i2.b");
        await box.until("i1.a", 1);
        expect(box.of("i1.a")).toEqual([{ kind: "replaced" }]);
        await s.leave(mb(9), "host", "i1.a", undefined); // not the owner any more: no effect
        expect(await s.post(mb(9), "host", bytes(1), 8)).toEqual({ status: "delivered" });
        await s.leave(mb(9), "host", "i2.b", undefined);
        expect(await s.post(mb(9), "host", bytes(2), 8)).toMatchObject({ status: "held" });
        await box.until("i2.b", 1);
        expect(box.of("i2.b")).toHaveLength(1);
      }));

    it("keeps what is refreshed; forgets everything else after the TTL: held blobs, presence, nameplates", () =>
      withStore(async (s, _box, expire) => {
        await s.post(mb(13), "join", bytes(1, 2), 8);
        await s.open(mb(13), "host", "i1.p");
        const np = await s.host(mb(14), "i1.q");
        expect(np).toBeDefined();
        expect(await s.stats()).toEqual({ heldBlobs: 1, nameplates: 1 });
        await expire();
        const opened = await s.open(mb(13), "join", "i2.r");
        expect(opened.blobs).toEqual([]);
        expect(opened.peerPresent).toBe(false);
        expect(await s.join(np!, "i2.s")).toEqual({ ok: false, reason: "not_found" });
        expect(await s.stats()).toEqual({ heldBlobs: 0, nameplates: 0 });
      }));
  });
}
