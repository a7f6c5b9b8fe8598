/**
 * Nameplate allocation: O(1) per claim (no random retries: each claim looks at a bounded
 * number of candidates, however full the small tiers are), released numbers reused least
 * recently released first and never within their cool-down, and nameplates that stay at three
 * digits or fewer at 50 pairings/s sustained (five simulated minutes on the memory store with
 * the default cool-downs: the joiner arrives 1–5 s after the host).
 */
import { describe, expect, it } from "vitest";
import { SimulatedClock } from "xstate";
import { NameplatePool } from "../../src/relay/store/nameplates.js";
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
});
