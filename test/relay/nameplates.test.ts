/**
 * Nameplate allocation: O(1) per claim (no random retries: each claim looks at a bounded
 * number of candidates, however full the small tiers are), released numbers reused least
 * recently released first and never within their cool-down, and nameplates that stay at three
 * digits or fewer at 50 pairings/s sustained (five simulated minutes on the memory store with
 * the default cool-downs: the joiner arrives 1–5 s after the host).
 */
import { describe, expect, it } from "vitest";
import { SimulatedClock } from "xstate";
import { NameplatePool, RecentNameplates } from "../../src/relay/store/nameplates.js";
import { memoryStore } from "../../src/relay/store/memory.js";

describe("nameplate allocation", () => {
  it("stays at ≤ 3 digits at 50 pairings/s sustained, with the default cool-downs", async () => {
    const clock = new SimulatedClock();
    const store = memoryStore({ clock });
    await store.attach("i", () => {});
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const waiting: { np: string; joinAt: number; n: number }[] = [];
    let max = 0;
    let n = 0;
    for (let ms = 0; ms < 5 * 60_000; ms += 20) {
      clock.increment(20); // one pairing starts every 20 ms: 50/s
      const np = await store.host((n++).toString(16).padStart(32, "0"), `i.h${n}`);
      expect(np).toBeDefined();
      max = Math.max(max, Number(np));
      const joinAt = clock.now() + 1000 + Math.floor(random() * 4000);
      let at = waiting.length;
      while (at > 0 && waiting[at - 1]!.joinAt > joinAt) at--;
      waiting.splice(at, 0, { np: np!, joinAt, n });
      while (waiting.length > 0 && waiting[0]!.joinAt <= clock.now()) {
        const w = waiting.shift()!;
        expect((await store.join(w.np, `i.j${w.n}`)).ok).toBe(true);
      }
    }
    expect(n).toBe(15_000);
    expect(max).toBeLessThanOrEqual(999);
    await store.close();
  });

  it("looks at a bounded number of candidates per claim and never hands out one cooling down", () => {
    let now = 0;
    const live = new Set<string>();
    let looked = 0;
    const pool = new NameplatePool({
      joinedCooldownMs: 15_000,
      releasedCooldownMs: 60_000,
      random: Math.random,
      usable: (np) => (looked++, !live.has(np)),
    });
    const releasedAt = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      now += 5;
      const np = pool.take(now)!;
      expect(np).toBeDefined();
      const since = releasedAt.get(np);
      if (since !== undefined) expect(now - since).toBeGreaterThanOrEqual(15_000);
      live.add(np);
      // Release the oldest claims as joined, keeping ~300 live.
      if (live.size > 300) {
        const oldest = live.values().next().value!;
        live.delete(oldest);
        pool.giveBack(oldest, "joined", now);
        releasedAt.set(oldest, now);
      }
    }
    expect(looked / 20_000).toBeLessThan(1.05);
  });

  it("remembers a taken or released nameplate until its time, per number, and nothing for a non-canonical one", () => {
    const recent = new RecentNameplates();
    recent.record("7", true, 1_000);
    recent.record("512", false, 1_000);
    recent.record("99999", true, 2_000);
    expect(recent.joinedRecently("7", 999)).toBe(true);
    expect(recent.joinedRecently("7", 1_000)).toBe(false); // out of date at its time
    expect(recent.joinedRecently("512", 10)).toBe(false); // released, not joined
    expect(recent.joinedRecently("99999", 1_500)).toBe(true);
    // The same number written otherwise is another nameplate (none is hosted as "07").
    for (const other of ["07", "7.0", " 7", "+7", "0x7", "", "100000", "0"]) expect(recent.joinedRecently(other, 0), other).toBe(false);
    recent.record("07", true, 5_000); // ignored: not a nameplate the pool hands out
    expect(recent.joinedRecently("7", 999)).toBe(true);
    recent.forget("7");
    expect(recent.joinedRecently("7", 0)).toBe(false);
    recent.record("512", true, 3_000); // a later record replaces the earlier one
    expect(recent.joinedRecently("512", 2_999)).toBe(true);
    // Due records are zeroed; one made again since keeps its new time.
    expect(recent.size).toBe(4); // "07" made none
    recent.forgetDue(2_000);
    expect(recent.joinedRecently("99999", 0)).toBe(false);
    expect(recent.joinedRecently("512", 2_500)).toBe(true);
    expect(recent.size).toBe(1);
    recent.clear();
    expect(recent.joinedRecently("512", 0)).toBe(false);
    expect(recent.size).toBe(0);
  });

  it("memory store: a joined nameplate answers `crowded` for one TTL, then `not_found`", async () => {
    const clock = new SimulatedClock();
    const store = memoryStore({ clock, ttlSeconds: 60 });
    await store.attach("i", () => {});
    const np = (await store.host("0".repeat(32), "i.h"))!;
    expect((await store.join(np, "i.j")).ok).toBe(true);
    clock.increment(59_900);
    expect(await store.join(np, "i.k")).toEqual({ ok: false, reason: "crowded" });
    clock.increment(200);
    expect(await store.join(np, "i.l")).toEqual({ ok: false, reason: "not_found" });
    await store.close();
  });
});
