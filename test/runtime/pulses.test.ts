/**
 * The pulse throttle (src/runtime/pulses.ts) on a SimulatedClock: a leading pulse reaches the
 * actor at once, repeats inside the window collapse into at most one trailing pulse at the
 * window's end, nothing is delivered after stop(), and — through a whole engine pair — the
 * dead-man trips no earlier than inactivityMs after the last real activity and no later than
 * inactivityMs + the window.
 */
import { describe, expect, it } from "vitest";
import { test, fc } from "@fast-check/vitest";
import { SimulatedClock } from "xstate";
import { Pulses, type PulseType } from "../../src/runtime/pulses.js";
import { createEnginePair, pendingTimers } from "../../src/testing/index.js";

const tick = () => new Promise<void>((r) => queueMicrotask(r));

function setup(windowMs: number) {
  const clock = new SimulatedClock();
  const got: Array<{ type: PulseType; at: number }> = [];
  const p = new Pulses(() => clock.now(), (type) => got.push({ type, at: clock.now() }), windowMs, {
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    clearTimeout: (id) => clock.clearTimeout(id as never),
  });
  /** Move the clock 1 ms at a time, so a window timer fires at its own millisecond. */
  const advance = (ms: number) => {
    for (let i = 0; i < ms; i++) clock.increment(1);
  };
  return { clock, p, got, advance };
}

describe("pulse throttle (unit, SimulatedClock)", () => {
  it("the leading pulse is delivered at once, with no timer left behind", async () => {
    const { clock, p, got } = setup(100);
    p.pulse("ACTIVITY");
    await tick();
    expect(got).toEqual([{ type: "ACTIVITY", at: 0 }]);
    expect(pendingTimers(clock)).toBe(0);
  });

  it("repeats inside the window become exactly one trailing pulse at the window's end", async () => {
    const { clock, p, got, advance } = setup(100);
    p.pulse("ACTIVITY");
    await tick();
    for (const step of [10, 30, 20]) {
      advance(step);
      p.pulse("ACTIVITY");
      await tick();
    }
    expect(got).toHaveLength(1);
    expect(pendingTimers(clock)).toBe(1);
    advance(39); // t = 99
    expect(got).toHaveLength(1);
    advance(1); // t = 100: the window ends
    expect(got).toEqual([{ type: "ACTIVITY", at: 0 }, { type: "ACTIVITY", at: 100 }]);
    expect(pendingTimers(clock)).toBe(0);
    advance(500); // nothing more came: nothing more is sent
    expect(got).toHaveLength(2);
  });

  it("the two pulse types have separate windows", async () => {
    const { p, got, advance } = setup(100);
    p.pulse("ACTIVITY");
    await tick();
    advance(50);
    p.pulse("PEER_MESSAGE_OK"); // its own leading edge
    p.pulse("ACTIVITY"); // held
    await tick();
    expect(got).toEqual([{ type: "ACTIVITY", at: 0 }, { type: "PEER_MESSAGE_OK", at: 50 }]);
    advance(50);
    expect(got.at(-1)).toEqual({ type: "ACTIVITY", at: 100 });
  });

  it("an actor move opens a new window: the next pulse leads, and replaces the held one", async () => {
    const { clock, p, got, advance } = setup(100);
    p.pulse("PEER_MESSAGE_OK");
    await tick();
    advance(10);
    p.pulse("PEER_MESSAGE_OK"); // held
    await tick();
    expect(pendingTimers(clock)).toBe(1);
    advance(10);
    p.actorMoved(); // e.g. CHANNEL_OPEN: a new state may react differently
    p.pulse("PEER_MESSAGE_OK");
    await tick();
    expect(got.map((g) => g.at)).toEqual([0, 20]);
    expect(pendingTimers(clock)).toBe(0); // this delivery covered the held one
    advance(200);
    expect(got.map((g) => g.at)).toEqual([0, 20]);
  });

  it("nothing is delivered after stop(), and the window timer is cancelled", async () => {
    const { clock, p, got, advance } = setup(100);
    p.pulse("ACTIVITY");
    await tick();
    advance(10);
    p.pulse("ACTIVITY"); // held: a trailing pulse is due at t = 100
    p.pulse("PEER_MESSAGE_OK"); // queued for this microtask
    p.stop();
    await tick();
    expect(pendingTimers(clock)).toBe(0);
    expect(p.pendingTimers).toBe(0);
    p.pulse("ACTIVITY");
    await tick();
    advance(300);
    expect(got).toEqual([{ type: "ACTIVITY", at: 0 }]);
    expect(pendingTimers(clock)).toBe(0);
  });

  it("rejects a window that is not a finite number >= 0", () => {
    const timers = { setTimeout: () => 0, clearTimeout: () => {} };
    expect(() => new Pulses(() => 0, () => {}, -1, timers)).toThrow(RangeError);
    expect(() => new Pulses(() => 0, () => {}, Number.NaN, timers)).toThrow(RangeError);
    expect(() => new Pulses(() => 0, () => {}, 10)).toThrow(TypeError);
  });

  // Any schedule of pulses: every real pulse is covered by a delivery no earlier than it and at
  // most one window later; deliveries are at least one window apart; none without a pulse.
  test.prop(
    [fc.integer({ min: 1, max: 80 }), fc.uniqueArray(fc.integer({ min: 0, max: 600 }), { minLength: 1, maxLength: 40 })],
    { numRuns: 60 },
  )("covers every pulse within one window; at most one leading + one trailing per window", async (windowMs, times) => {
    const { clock, p, got, advance } = setup(windowMs);
    const sorted = [...times].sort((x, y) => x - y);
    for (const t of sorted) {
      advance(t - clock.now());
      p.pulse("ACTIVITY");
      await tick();
    }
    advance(windowMs + 1);
    expect(pendingTimers(clock)).toBe(0);
    const at = got.map((g) => g.at);
    expect(at[0]).toBe(sorted[0]); // leading edge at once
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(windowMs);
    for (const t of sorted) expect(at.some((d) => d >= t && d <= t + windowMs)).toBe(true);
    for (const d of at) expect(sorted.some((t) => t <= d && t >= d - windowMs)).toBe(true);
  });
});

describe("pulse throttle (engine pair)", () => {
  const INACTIVITY = 10_000;
  const WINDOW = 100; // min(pulseWindowMs 100, 10 000 / 100, 45 000 / 100)

  /** Time of the last real activity, from the engine's own countdown. */
  const lastActivity = (p: ReturnType<typeof createEnginePair>, side: "a" | "b") =>
    p.clock.now() + p[side].snapshot().countdowns.inactivityMs! - INACTIVITY;

  it("the dead-man trips no earlier than inactivityMs after the last real activity, no later than + window", async () => {
    const p = createEnginePair({ seed: "pulse-deadman", timings: { inactivityMs: INACTIVITY, pulseWindowMs: 1_000 } });
    await p.pair();
    await p.advance(2 * WINDOW, 10); // out of the pairing's own window
    const rearms = () => Number(p.a.snapshot().actors["deadMan"]?.context["rearms"] ?? 0);
    const before = rearms();
    // A burst of edits inside one window: the leading one goes through, the rest are held.
    for (let i = 0; i < 4; i++) {
      p.a.doc.getMap("m").set(`k${i}`, i);
      await p.advance(25, 1); // t += 25 ms per edit
    }
    const last = Math.max(lastActivity(p, "a"), lastActivity(p, "b"));
    await p.advance(WINDOW, 1); // the trailing pulse has gone out
    expect(rearms() - before).toBe(2); // one leading + one trailing, not four
    expect(pendingTimers(p.clock)).toBeGreaterThan(0);
    await p.advance(last + INACTIVITY - 1 - p.clock.now(), 1_000);
    expect(p.a.snapshot().status).toBe("connected"); // never earlier than inactivityMs
    expect(p.b.snapshot().status).toBe("connected");
    await p.advance(WINDOW + 1, 1);
    expect(p.a.snapshot().status).toBe("ended"); // at most one window later
    expect(p.b.snapshot().status).toBe("ended");
    expect(p.a.snapshot().endReason).toBe("inactivity");
    expect(pendingTimers(p.clock)).toBe(0);
  });

  it("ending with a trailing pulse held leaves no timer, and no pulse reaches the ended session", async () => {
    let activities = 0; // ACTIVITY events the session actors received (both engines)
    const p = createEnginePair({
      seed: "pulse-end",
      timings: { inactivityMs: INACTIVITY, pulseWindowMs: 1_000 },
      engineOptions: {
        inspect: (e) => {
          if (e.type === "@xstate.event" && e.event.type === "ACTIVITY" && e.actorRef.sessionId === e.rootId) activities++;
        },
      },
    });
    await p.pair();
    await p.advance(2 * WINDOW, 10);
    p.a.doc.getMap("m").set("x", 1);
    await p.advance(10, 1);
    p.a.doc.getMap("m").set("x", 2); // held: a trailing ACTIVITY is due at the window's end
    await p.advance(10, 1);
    expect(pendingTimers(p.clock)).toBeGreaterThan(0);
    await p.a.end();
    await p.settle();
    expect(p.a.snapshot().endReason).toBe("user");
    expect(p.b.snapshot().endReason).toBe("peerEnded");
    expect(pendingTimers(p.clock)).toBe(0); // the window timers went with the teardown
    const atEnd = activities;
    expect(atEnd).toBeGreaterThan(0);
    await p.advance(WINDOW * 3, 1);
    expect(activities).toBe(atEnd); // no trailing ACTIVITY after ended
  });
});
