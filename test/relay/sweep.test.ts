/**
 * The nameplate sweep that used to take every hosted nameplate (12 connections from one
 * address joining 1–99): its failed joins are one budget shared by all its connections, so it
 * learns at most `failedJoinsBurst` + `failedJoinsPerMinute` numbers per minute and is refused
 * (`join_rate_limited`) beyond; ten victim pairs on other addresses all pair meanwhile (a victim
 * whose nameplate was taken sees `crowded` and hosts again, as the engine does). Simulated
 * clock: the budget's minute passes without waiting.
 */
import { setImmediate as turn } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { SimulatedClock } from "xstate";
import { defaultLimits } from "../../src/relay/options.js";
import { suiteRelay, type Frame } from "./helpers.js";

const clock = new SimulatedClock();
const suite = suiteRelay();
afterAll(() => suite.end());

const client = suite.client;

describe("a nameplate sweep from one address", { timeout: 30_000 }, () => {
  it("is held to the failed-join budget while ten victims on other addresses pair", async () => {
    const r = await suite.relay({ clock });
    const { failedJoinsBurst, failedJoinsPerMinute } = defaultLimits;
    const victims = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => ({ host: await client(r.url, `127.90.0.${i + 1}`), join: await client(r.url, `127.91.0.${i + 1}`) })),
    );
    const hostAll = () => Promise.all(victims.map((v) => v.host.req({ t: "host" })));
    let hosted = await hostAll();
    /** 12 fresh connections from one address (refusals spend each connection's error budget, so it reconnects) each join their share of 1–99 at once. */
    const sweep = async (): Promise<Frame[]> => {
      const sweepers = await Promise.all(Array.from({ length: 12 }, () => client(r.url, "127.92.0.1")));
      return Promise.all(Array.from({ length: 99 }, (_, n) => sweepers[n % 12]!.req({ t: "join", nameplate: String(n + 1) })));
    };

    let taken = 0;
    let missed = 0;
    for (let minute = 0; minute < 3; minute++) {
      const answers = await sweep();
      const joined = answers.filter((f) => f.t === "joined").length;
      const misses = answers.filter((f) => f["code"] === "not_found" || f["code"] === "crowded").length;
      const refused = answers.filter((f) => f["code"] === "join_rate_limited").length;
      // Only the budget's worth of misses reach the store; the rest are refused without an answer.
      expect(misses).toBeLessThanOrEqual(minute === 0 ? failedJoinsBurst : failedJoinsPerMinute);
      expect(joined + misses + refused).toBe(99);
      taken += joined;
      missed += misses;
      // The victims pair: the joiner takes its nameplate, or sees it was taken and the host hosts again.
      for (let i = 0; i < victims.length; i++) {
        const v = victims[i]!;
        for (;;) {
          const j = await v.join.req({ t: "join", nameplate: hosted[i]!["nameplate"] });
          if (j.t === "joined") break;
          expect(j["code"]).toBe("crowded");
          hosted[i] = await v.host.req({ t: "host" });
        }
      }
      clock.increment(60_000);
      for (let k = 0; k < 5; k++) await turn();
      hosted = await hostAll();
    }
    // Each nameplate it took was one it could only find by trying: far from all thirty.
    expect(missed).toBeLessThanOrEqual(failedJoinsBurst + 2 * failedJoinsPerMinute);
    expect(taken).toBeLessThan(10);
  });
});
