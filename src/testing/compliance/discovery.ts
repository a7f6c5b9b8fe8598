/**
 * Discovery compliance suite. Every Discovery implementation runs it (memory, mDNS):
 *
 *   import { discoveryCompliance } from "../compliance/discovery.js";
 *   discoveryCompliance("mdns", {
 *     setup: async () => ({ a: mdnsDiscovery(opts)(), b: mdnsDiscovery(opts)(), inject: (raw) => publishRaw(raw) }),
 *     teardown: async ({ a, b }) => { await a.close(); await b.close(); },
 *   });
 *
 * `a` advertises, `b` finds. Optional hooks: `inject(raw)` plants a raw record as a stranger
 * would (for the hostile-record test); `advance(ms)` moves an injected clock so timeouts fire
 * without waiting (without it, timeouts run for real with small values). `timeoutMs` is the
 * small timeout the suite uses for "nothing found" (default 50; mDNS may need more).
 */
import { describe, expect, it } from "vitest";
import type { Discovery } from "../../adapters/discovery/types.js";
import { withSetup, type SuiteSetup } from "./suite.js";

export interface DiscoveryPair {
  readonly a: Discovery;
  readonly b: Discovery;
  readonly inject?: (raw: unknown) => void | Promise<void>;
  readonly advance?: (ms: number) => void;
  readonly timeoutMs?: number;
}

export type DiscoverySuiteSetup<T extends DiscoveryPair = DiscoveryPair> = SuiteSetup<T>;

export function discoveryCompliance<T extends DiscoveryPair>(name: string, s: DiscoverySuiteSetup<T>): void {
  describe(`discovery compliance: ${name}`, () => {
    const withPair = withSetup(s);
    /** Expect `p` to reject with DiscoveryTimeoutError, driving the clock if the setup can. */
    const expectTimeout = async (ctx: T, p: Promise<unknown>) => {
      const t = ctx.timeoutMs ?? 50;
      ctx.advance?.(t + 1);
      await expect(p).rejects.toMatchObject({ name: "DiscoveryTimeoutError" });
    };

    it("finds what another device advertises", withPair(async ({ a, b }) => {
      await a.advertise({ nameplate: "17", address: "127.0.0.1", port: 4100 });
      const r = await b.find("17", { timeoutMs: 10_000 });
      expect(r).toMatchObject({ nameplate: "17", address: "127.0.0.1", port: 4100 });
      expect(typeof r.version).toBe("number");
    }));

    it("a find started before the advertisement resolves when it appears", withPair(async ({ a, b }) => {
      const p = b.find("23", { timeoutMs: 10_000 });
      await a.advertise({ nameplate: "23", address: "127.0.0.1", port: 4200 });
      expect(await p).toMatchObject({ nameplate: "23", port: 4200 });
    }));

    it("nothing advertised: DiscoveryTimeoutError", withPair(async (ctx) => {
      await expectTimeout(ctx, ctx.b.find("31", { timeoutMs: ctx.timeoutMs ?? 50 }));
    }));

    it("a withdrawn advertisement is not found; withdraw is idempotent", withPair(async (ctx) => {
      const ad = await ctx.a.advertise({ nameplate: "41", address: "127.0.0.1", port: 4300 });
      await ad.withdraw();
      await ad.withdraw();
      await expectTimeout(ctx, ctx.b.find("41", { timeoutMs: ctx.timeoutMs ?? 50 }));
    }));

    it("an aborted find rejects with a DiscoveryError", withPair(async ({ b }) => {
      const ac = new AbortController();
      const p = b.find("43", { signal: ac.signal, timeoutMs: 10_000 });
      ac.abort();
      const err = await p.then(() => undefined, (e: unknown) => e);
      expect((err as Error).name).toMatch(/^Discovery/);
    }));

    it("refuses to advertise a malformed record with a DiscoveryError", withPair(async ({ a }) => {
      for (const rec of [
        { nameplate: "", address: "127.0.0.1", port: 1 },
        { nameplate: "x".repeat(1000), address: "127.0.0.1", port: 1 },
        { nameplate: "5", address: "127.0.0.1", port: 0 },
        { nameplate: "5", address: "127.0.0.1", port: 70_000 },
      ]) {
        const err = await a.advertise(rec).then(() => undefined, (e: unknown) => e);
        expect((err as Error | undefined)?.name).toMatch(/^Discovery/);
      }
    }));

    it("hostile records are ignored and counted; the valid one is still found", withPair(async (ctx) => {
      if (ctx.inject === undefined) {
        // Without a way to plant raw records the counters must at least exist and start empty.
        expect(Object.values(ctx.b.rejected).reduce((x, y) => x + y, 0)).toBe(0);
        return;
      }
      const bad: unknown[] = [
        { version: 1, nameplate: "53", address: "127.0.0.1", port: "4400" },
        { version: 99, nameplate: "53", address: "127.0.0.1", port: 4400 },
        { version: 1, nameplate: "53", address: "x".repeat(5000), port: 4400 },
        null, "53", { nameplate: "53" },
      ];
      for (const r of bad) await ctx.inject(r);
      await ctx.a.advertise({ nameplate: "53", address: "127.0.0.1", port: 4401 });
      expect(await ctx.b.find("53", { timeoutMs: 10_000 })).toMatchObject({ port: 4401 });
      const counted = Object.values(ctx.b.rejected).reduce((x, y) => x + y, 0);
      expect(counted).toBeGreaterThanOrEqual(1);
    }));

    it("close is idempotent and fails pending finds", withPair(async ({ b }) => {
      const p = b.find("59", { timeoutMs: 10_000 });
      await b.close();
      await b.close();
      const err = await p.then(() => undefined, (e: unknown) => e);
      expect((err as Error).name).toMatch(/^Discovery/);
    }));
  });
}
