/**
 * A path that goes dark without closing (the phone left the Wi-Fi: frames vanish, the channel
 * still looks open): after linkStaleMs without an authenticated frame the connection gives the
 * link up, shows `reconnecting`, and opens a fresh one under the same keys once a path exists
 * again; edits made on both sides during the outage converge, and the dead-man's switch (user
 * activity) is not what decides.
 */
import { describe, expect, it } from "vitest";
import type { EngineEvent } from "../../src/runtime/index.js";
import { createEnginePair } from "../../src/testing/index.js";

describe("engine: a link that goes dark", () => {
  it("is replaced within linkStaleMs + backoff; outage edits converge; same epoch chain", async () => {
    const p = createEnginePair({ seed: "stale-link", timings: { linkStaleMs: 12_000, pingIntervalMs: 5_000, peerGoneMs: 45_000 } });
    const events: EngineEvent[] = [];
    p.b.events$.subscribe((e) => events.push(e));
    await p.pair();
    await p.b.whenSynced();
    const epoch = p.a.snapshot().epoch;
    p.network.setFaults(p.names[0], p.names[1], { drop: 1 });
    p.a.doc.getMap("m").set("from-a", 1);
    p.b.doc.getMap("m").set("from-b", 2);
    const lastFrame = p.clock.now(); // the sync round just completed; nothing gets through from here
    await p.advance(11_900, 100);
    expect(p.b.snapshot().status).toBe("connected"); // not yet: less than linkStaleMs of silence
    await p.advance(200, 100); // linkStaleMs after the last frame; the 500 ms backoff still runs
    expect(p.clock.now() - lastFrame).toBe(12_100);
    expect(p.a.snapshot().status).toBe("reconnecting");
    expect(p.b.snapshot().status).toBe("reconnecting");
    expect(events.some((e) => e.type === "disconnected" && e.reason === "abandoned")).toBe(true);
    p.network.clearFaults();
    const syncedBefore = events.filter((e) => e.type === "synced").length;
    await p.advance(5_000, 250);
    expect(p.a.snapshot().status).toBe("connected");
    expect(p.b.snapshot().status).toBe("connected");
    expect(events.filter((e) => e.type === "synced").length).toBeGreaterThan(syncedBefore);
    expect(p.a.doc.getMap("m").toJSON()).toEqual({ "from-a": 1, "from-b": 2 });
    expect(p.b.doc.getMap("m").toJSON()).toEqual({ "from-a": 1, "from-b": 2 });
    expect(p.a.snapshot().epoch).toBe(epoch);
    await p.a.end();
    await p.settle();
    expect(p.b.snapshot().endReason).toBe("peerEnded");
  });

  it("a path that never comes back ends the session peerGone at peerGoneMs, with the wipe", async () => {
    const p = createEnginePair({ seed: "stale-gone", timings: { linkStaleMs: 12_000, peerGoneMs: 45_000, inactivityMs: 600_000 } });
    await p.pair();
    await p.settle();
    p.network.setFaults(p.names[0], p.names[1], { drop: 1 });
    const lost = p.clock.now();
    await p.advance(60_000, 1_000);
    expect(p.a.snapshot().endReason).toBe("peerGone");
    expect(p.b.snapshot().endReason).toBe("peerGone");
    expect(p.a.doc.isDestroyed && p.b.doc.isDestroyed).toBe(true);
    expect(p.clock.now() - lost).toBeGreaterThanOrEqual(45_000);
    expect(p.clock.pending).toBe(0);
  });
});
