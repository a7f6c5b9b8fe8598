/**
 * Outbound flow at engine level: coalescing (many y-protocols messages share one sealed frame)
 * and back-pressure (the sender pauses above the channel's high-water mark and resumes on
 * drained$, and nothing is lost).
 */
import { describe, expect, it } from "vitest";
import { createEnginePair } from "../../src/testing/index.js";

describe("engine: outbound flow", () => {
  it("coalesces a burst of 1000 single-key transactions into a handful of frames", async () => {
    const p = createEnginePair({ seed: "flow-coalesce" });
    await p.pair();
    const before = p.a.snapshot().counters["link.framesOut"] ?? 0;
    const m = p.a.doc.getMap("prefs");
    for (let i = 0; i < 1000; i++) m.set(`pref${i % 50}`, `v${i}`);
    await p.settle();
    const frames = (p.a.snapshot().counters["link.framesOut"] ?? 0) - before;
    expect(p.b.doc.getMap("prefs").toJSON()).toEqual(m.toJSON());
    expect(frames).toBeGreaterThan(0);
    expect(frames).toBeLessThan(10); // ~35 B per update: 1000 updates fit in ~3 frames of 16 KiB
    await p.a.end();
  });

  it("pauses above the high-water mark, resumes on drained$, and loses nothing", async () => {
    const p = createEnginePair({ seed: "flow-pressure", limits: { highWaterMark: 8 * 1024, lowWaterMark: 2 * 1024, maxMessageSize: 64 * 1024 } });
    await p.pair();
    const m = p.a.doc.getMap("big");
    for (let i = 0; i < 1500; i++) m.set(`k${i}`, "x".repeat(60) + i);
    await p.settle();
    expect(p.a.snapshot().counters["link.pauses"]).toBeGreaterThan(0);
    expect(p.b.doc.getMap("big").size).toBe(1500);
    expect(p.b.doc.getMap("big").toJSON()).toEqual(m.toJSON());
    await p.a.end();
  });

  it("a forced rotation mid-stream keeps every update, and both sides end on the new epoch", async () => {
    const p = createEnginePair({ seed: "flow-rotate" });
    await p.pair();
    const m = p.a.doc.getMap("prefs");
    for (let i = 0; i < 100; i++) {
      m.set(`k${i}`, i);
      if (i === 50) p.a.rotateNow();
      if (i % 10 === 0) await p.settle();
    }
    await p.settle();
    expect(p.b.doc.getMap("prefs").size).toBe(100);
    expect(p.a.snapshot().epoch).toBe(1);
    expect(p.b.snapshot().epoch).toBe(1);
    // the old epoch's receive key goes after the grace window
    await p.advance(11_000, 1_000);
    expect(p.a.snapshot().keys["traffic-receive"]).toBe(1);
    expect(p.b.snapshot().keys["traffic-receive"]).toBe(1);
    await p.a.end();
  });
});
