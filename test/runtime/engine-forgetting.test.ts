/**
 * Forgetting on every end path (DESIGN §1.4): whatever ends the session, every key buffer is
 * zero, the doc and awareness are destroyed and cleared, no actor, channel or mailbox is left, the
 * test clock holds no timers, and events$ completes with ended{reason}.
 */
import { describe, expect, it } from "vitest";
import { generateCode } from "../../src/adapters/crypto/index.js";
import { createEnginePair, probeEngine, type EnginePair } from "../../src/testing/index.js";
import { evilCrdt } from "../helpers/evil-crdt.js";
import { collectEvents, expectForgotten, watchKeys } from "./helpers.js";

function watched(p: EnginePair) {
  return { ka: watchKeys(p.a), kb: watchKeys(p.b), ea: collectEvents(p.a), eb: collectEvents(p.b) };
}

async function pairAndEdit(p: EnginePair): Promise<void> {
  await p.pair();
  p.a.doc.getMap("prefs").set("theme", "dark");
  p.b.doc.getMap("prefs").set("lang", "de");
  await p.settle();
  expect(p.a.doc.getMap("prefs").size).toBe(2);
}

describe("engine: forgetting on every end path", () => {
  it("user ends (joiner); the host sees peerEnded", async () => {
    const p = createEnginePair({ seed: "end-user" });
    const w = watched(p);
    await pairAndEdit(p);
    await p.b.end();
    await p.settle();
    expectForgotten(p.b, w.kb, w.eb, "user");
    expectForgotten(p.a, w.ka, w.ea, "peerEnded");
    expect(p.clock.pending).toBe(0);
  });

  it("host shutdown: the host ends, the joiner sees peerEnded", async () => {
    const p = createEnginePair({ seed: "end-host" });
    const w = watched(p);
    await pairAndEdit(p);
    await p.a.end();
    await p.settle();
    expectForgotten(p.a, w.ka, w.ea, "user");
    expectForgotten(p.b, w.kb, w.eb, "peerEnded");
    expect(p.clock.pending).toBe(0);
  });

  it("inactivity: no edits for inactivityMs ends both (pings are not activity)", async () => {
    const p = createEnginePair({ seed: "end-idle" });
    const w = watched(p);
    await pairAndEdit(p);
    await p.advance(60_000);
    p.a.doc.getMap("prefs").set("still", "here"); // re-arms both dead-man switches
    await p.advance(119_000);
    expect(p.a.snapshot().status).toBe("connected");
    await p.advance(2_000);
    expectForgotten(p.a, w.ka, w.ea, "inactivity");
    expectForgotten(p.b, w.kb, w.eb, "inactivity");
    expect(p.clock.pending).toBe(0);
  });

  it("expiry: maxSessionMs after pairing ends both, with rotations on the way", async () => {
    const p = createEnginePair({ seed: "end-expiry", timings: { maxSessionMs: 10 * 60_000, inactivityMs: 3_600_000, rotationMs: 3 * 60_000 } });
    const w = watched(p);
    await pairAndEdit(p);
    await p.advance(9 * 60_000);
    expect(p.a.snapshot().epoch).toBe(3);
    expect(p.b.snapshot().epoch).toBe(3);
    expect(w.ea.events.filter((e) => e.type === "rotated").length).toBe(3);
    p.b.doc.getMap("prefs").set("after", "rotations");
    await p.settle();
    expect(p.a.doc.getMap("prefs").get("after")).toBe("rotations");
    await p.advance(61_000);
    expectForgotten(p.a, w.ka, w.ea, "expired");
    expectForgotten(p.b, w.kb, w.eb, "expired");
    expect(p.clock.pending).toBe(0);
  });

  it("peer gone: a partition that never heals ends both after peerGoneMs", async () => {
    const p = createEnginePair({ seed: "end-gone" });
    const w = watched(p);
    await pairAndEdit(p);
    p.network.partition(...p.names);
    await p.advance(30_000, 1_000);
    expect(p.a.snapshot().status).toBe("reconnecting");
    await p.advance(20_000, 1_000);
    expectForgotten(p.a, w.ka, w.ea, "peerGone");
    expectForgotten(p.b, w.kb, w.eb, "peerGone");
    expect(p.clock.pending).toBe(0);
  });

  it("wrong code: both sides", async () => {
    const p = createEnginePair({ seed: "end-wrong" });
    const w = watched(p);
    const { code } = await p.a.host();
    const np = code.split("-")[0]!;
    let wrong = code;
    for (let i = 1; wrong === code; i++) wrong = generateCode({ nameplate: np, random: (n) => new Uint8Array(n).fill(i) });
    await expect(p.b.join(wrong)).rejects.toMatchObject({ name: "WrongCodeError" });
    await p.settle();
    expectForgotten(p.a, w.ka, w.ea, "wrongCode");
    expectForgotten(p.b, w.kb, w.eb, "wrongCode");
    expect(p.clock.pending).toBe(0);
  });

  it("fatal decode error: an authenticated peer sends a malformed y-protocols message", async () => {
    const evil = evilCrdt();
    const p = createEnginePair({ seed: "end-fatal", engineOptions: {} });
    // b is replaced by an engine with the evil binding on the same device
    const { createSyncEngine } = await import("../../src/runtime/index.js");
    const b = createSyncEngine({ ...p.network.device("evil-phone"), clock: p.clock, crdt: evil.crdt });
    const ka = watchKeys(p.a);
    const kb = watchKeys(b);
    const ea = collectEvents(p.a);
    const eb = collectEvents(b);
    const { code } = await p.a.host();
    await b.join(code);
    await p.settle();
    p.a.doc.getMap("prefs").set("before", 1);
    await p.settle();
    evil.inject({ kind: "sync", bytes: new Uint8Array([2, 3, 0xff, 0xff, 0xff]) });
    await p.settle();
    expect(ea.events.some((e) => e.type === "error" && e.fatal && e.name === "CrdtDecodeError")).toBe(true);
    expectForgotten(p.a, ka, ea, "error");
    expectForgotten(b, kb, eb, "peerEnded");
    await p.b.end();
    expect(p.clock.pending).toBe(0);
  });

  it("pairing timeout: nobody joins within pairingTimeoutMs", async () => {
    const p = createEnginePair({ seed: "end-pairing-timeout" });
    const ka = watchKeys(p.a);
    const ea = collectEvents(p.a);
    await p.a.host();
    await p.advance(5 * 60_000 + 1_000, 60_000);
    expect(p.a.snapshot().endReason).toBe("pairingTimeout");
    expect(ea.events.at(-1)).toEqual({ type: "ended", reason: "pairingTimeout" });
    expect(ea.completed()).toBe(true);
    for (const b of ka.buffers) expect(b.every((x) => x === 0)).toBe(true);
    expect(probeEngine(p.a).liveResources()).toEqual([]);
    expect(p.a.doc.isDestroyed).toBe(true);
    await p.b.end();
    expect(p.clock.pending).toBe(0);
  });

  it("end() is idempotent, and events$ subscribed after the end replays ended and completes", async () => {
    const p = createEnginePair({ seed: "end-twice" });
    await p.pair();
    await Promise.all([p.a.end(), p.a.end()]);
    await p.a.end();
    const late = collectEvents(p.a);
    expect(late.events).toEqual([{ type: "ended", reason: "user" }]);
    expect(late.completed()).toBe(true);
    await expect(p.a.host()).rejects.toMatchObject({ name: "EngineStateError" });
    await p.settle();
  });
});
