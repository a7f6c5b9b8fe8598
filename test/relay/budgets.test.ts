/**
 * When an address's budgets are forgotten: not before they hold nothing an abuser could reset by
 * reconnecting (every bucket full again, nothing held), and — for the usual pairing, which spends
 * a token or two — at the first admission a token's refill time after its last connection left,
 * without waiting for the periodic sweep (so its objects die young). And a held-bytes reservation
 * is given back once: not again after its slot has left the window (test/relay/held-credit.test.ts
 * has the same rules through a relay).
 */
import { describe, expect, it } from "vitest";
import { Budgets, HELD_OVERHEAD_BYTES } from "../../src/relay/budgets.js";
import { defaultLimits } from "../../src/relay/options.js";

function setup(limits = defaultLimits) {
  const t = { now: 1_000_000 };
  const clock = { now: () => t.now, setTimeout: () => 0, clearTimeout: () => {} };
  const budgets = new Budgets(limits, clock, 60);
  const admit = (key: string) => {
    const b = budgets.admit(key);
    if (typeof b === "string") throw new Error(b);
    return b;
  };
  return { t, budgets, admit };
}

/** Time for one token of the slowest bucket every address uses to come back. */
const QUIET_MS = 1000 / Math.min(defaultLimits.claimsPerSecond, defaultLimits.mailboxesPerSecond);

describe("address budgets", () => {
  it("forgets a pairing's address a token's refill after it left, at the next admission", () => {
    const { t, budgets, admit } = setup();
    const a = admit("127.96.0.1");
    expect(a.mailboxes.take()).toBe(true);
    expect(a.claims.take()).toBe(true);
    budgets.leave(a);
    t.now += QUIET_MS - 1;
    admit("127.96.0.2"); // too early: its spent tokens are not back
    expect(budgets.size()).toBe(2);
    t.now += 1;
    admit("127.96.0.3");
    expect(budgets.size()).toBe(2); // .1 forgotten; .2 and .3 connected
  });

  it("keeps an address that spent more than a token, one still connected, and one reconnected", () => {
    const { t, budgets, admit } = setup();
    const spender = admit("127.96.1.1");
    for (let i = 0; i < 40; i++) spender.mailboxes.take();
    budgets.leave(spender);
    const connected = admit("127.96.1.2");
    const second = admit("127.96.1.2");
    budgets.leave(second); // one of its two connections left
    const back = admit("127.96.1.3");
    budgets.leave(back);
    expect(admit("127.96.1.3")).toBe(back); // the same budget, in use again
    t.now += QUIET_MS;
    admit("127.96.1.4");
    expect(budgets.size()).toBe(4);
    expect(connected.connections).toBe(1);
    // The periodic sweep forgets the spender once its bucket has refilled.
    t.now += 40 * QUIET_MS;
    budgets.sweep();
    expect(budgets.size()).toBe(3);
  });

  it("a forgotten address comes back with full budgets, as a new one would", () => {
    const { t, budgets, admit } = setup();
    const a = admit("127.96.2.1");
    a.claims.take();
    budgets.leave(a);
    t.now += QUIET_MS;
    budgets.sweep();
    expect(budgets.size()).toBe(0);
    const again = admit("127.96.2.1");
    expect(again).not.toBe(a);
    expect(again.claims.full(t.now)).toBe(true);
  });

  it("a held reservation whose slot has left the window is not taken back twice", () => {
    const BLOB_BYTES = 1024;
    const cost = BLOB_BYTES + HELD_OVERHEAD_BYTES;
    const { t, budgets, admit } = setup({ ...defaultLimits, maxHeldBytesPerAddress: 3 * cost });
    const a = admit("127.95.1.1");
    const first = budgets.hold(a, BLOB_BYTES);
    if ("code" in first) throw new Error(first.code);
    budgets.keep(first, "m", "join");
    t.now += 61_000; // the blob expired unread: its reservation has left the window
    const second = budgets.hold(a, BLOB_BYTES);
    if ("code" in second) throw new Error(second.code);
    budgets.keep(second, "m", "join");
    expect(a.held!.total(t.now)).toBe(2 * cost); // the first leaves the sum with its slot, up to one slot late
    // One blob handed out: the expired one's reservation is skipped, the live one comes back.
    budgets.taken("m", "join", 1);
    expect(a.held!.total(t.now)).toBe(cost);
    budgets.leave(a);
    t.now += 5_000;
    expect(a.held!.total(t.now)).toBe(0);
    budgets.sweep();
    expect(budgets.size()).toBe(0);
  });
});
