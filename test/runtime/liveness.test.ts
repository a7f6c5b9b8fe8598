/**
 * Liveness without an event per edit: the pipelines stamp the time of the last activity and of
 * the last authenticated frame; the dead-man and peer-gone timers ask when they fire and re-arm
 * for the remainder. So a burst of edits sends the actors nothing, the actors' steps scale with
 * the timeouts (not with edits), and the dead-man trips at exactly inactivityMs after the last
 * activity.
 */
import { describe, expect, it } from "vitest";
import type { InspectionEvent } from "xstate";
import { createEnginePair } from "../../src/testing/index.js";

const INACTIVITY = 10_000;

function countEvents() {
  const seen: string[] = [];
  return { seen, inspect: (e: InspectionEvent) => void (e.type === "@xstate.event" && seen.push(e.event.type)) };
}

describe("liveness from stamps", () => {
  it("a burst of 1000 edits sends no event to any actor", async () => {
    const a = countEvents();
    const p = createEnginePair({ seed: "live-burst", engineOptions: { inspect: a.inspect } });
    await p.pair();
    await p.settle();
    const before = a.seen.length;
    const m = p.a.doc.getMap("prefs");
    for (let i = 0; i < 1000; i++) m.set(`k${i % 20}`, i);
    await p.settle();
    expect(p.b.doc.getMap("prefs").toJSON()).toEqual(m.toJSON());
    expect(a.seen.slice(before)).toEqual([]);
    await p.a.end();
  });

  it("the dead-man trips exactly inactivityMs after the last activity, whatever came before", async () => {
    const p = createEnginePair({ seed: "live-deadman", timings: { inactivityMs: INACTIVITY } });
    await p.pair();
    for (let i = 0; i < 7; i++) {
      await p.advance(3_333, 1_000);
      p.a.doc.getMap("m").set(`k${i}`, i);
      await p.settle();
    }
    const last = p.clock.now(); // the last edit (and its remote application) happened now
    await p.advance(INACTIVITY - 1, 1_000);
    expect(p.a.snapshot().status).toBe("connected");
    expect(p.b.snapshot().status).toBe("connected");
    await p.advance(1, 1);
    expect(p.clock.now()).toBe(last + INACTIVITY);
    expect(p.a.snapshot().endReason).toBe("inactivity");
    expect(p.b.snapshot().endReason).toBe("inactivity");
    expect(p.clock.pending).toBe(0);
  });

  it("touch() on one device counts as activity on both, without changing the document", async () => {
    const p = createEnginePair({ seed: "live-touch", timings: { inactivityMs: INACTIVITY } });
    await p.pair();
    const before = JSON.stringify(p.a.doc.toJSON());
    for (let i = 0; i < 5; i++) {
      await p.advance(INACTIVITY - 1_000, 1_000);
      p.a.touch();
    }
    expect(p.a.snapshot().status).toBe("connected");
    expect(p.b.snapshot().status).toBe("connected");
    expect(JSON.stringify(p.a.doc.toJSON())).toBe(before);
    await p.advance(INACTIVITY, 1_000);
    expect(p.a.snapshot().endReason).toBe("inactivity");
    expect(p.b.snapshot().endReason).toBe("inactivity");
  });

  it("over an hour of edits every second the dead-man's steps scale with the hour, not the edits", async () => {
    const a = countEvents();
    const p = createEnginePair({ seed: "live-hour", timings: { inactivityMs: 120_000 }, engineOptions: { inspect: a.inspect } });
    await p.pair();
    const deadManSteps = () => a.seen.filter((t) => t.startsWith("xstate.after.inactivityRemaining")).length;
    const m = p.a.doc.getMap("m");
    for (let s = 0; s < 3_600; s++) {
      m.set("tick", s);
      p.clock.advance(1_000);
      if (s % 10 === 0) await p.settle(); // pings and pongs get through (peerGoneMs is 45 s)
    }
    await p.settle();
    expect(p.a.snapshot().status).toBe("connected");
    // One timer firing per inactivity period on each device (re-armed for the remainder), not one per edit.
    expect(deadManSteps()).toBeLessThanOrEqual(2 * (3_600 / 120 + 2));
    await p.a.end();
    await p.settle();
    expect(p.clock.pending).toBe(0);
  });
});
