/** Two engines over the memory network: pair, connect, sync, converge; wrong codes; bad input from the caller. */
import { describe, expect, it } from "vitest";
import { generateCode } from "../../src/adapters/crypto/index.js";
import { createEnginePair, probeEngine } from "../../src/testing/index.js";
import { allZero, collectEvents, watchKeys } from "./helpers.js";

describe("engine: pairing and sync", () => {
  it("host shows a code, join connects both, a Y.Map set on either side appears on the other", async () => {
    const p = createEnginePair({ seed: "pair-1" });
    const evA = collectEvents(p.a);
    const { code } = await p.a.host();
    expect(code).toMatch(/^\d+-[a-z]+-[a-z]+$/);
    expect(p.a.snapshot().status).toBe("pairing");
    await p.b.join(code);
    await p.settle();
    expect(p.a.snapshot().status).toBe("connected");
    expect(p.b.snapshot().status).toBe("connected");
    p.a.doc.getMap("prefs").set("theme", "dark");
    await p.settle();
    expect(p.b.doc.getMap("prefs").get("theme")).toBe("dark");
    p.b.doc.getMap("prefs").set("lang", "de");
    await p.settle();
    expect(p.a.doc.getMap("prefs").get("lang")).toBe("de");
    expect(evA.events.map((e) => e.type)).toEqual(expect.arrayContaining(["hosting", "peerJoined", "paired", "connected"]));
    // presence: each side sees the other's device name
    expect(p.a.snapshot().peers).toEqual([{ device: "phone", doing: "syncing" }]);
    p.b.setPresence("editing preferences");
    await p.settle();
    expect(p.a.snapshot().peers).toEqual([{ device: "phone", doing: "editing preferences" }]);
    await p.a.end();
    await p.settle();
  });

  it("concurrent edits on both sides converge (same keys, different keys, arrays, text)", async () => {
    const p = createEnginePair({ seed: "pair-2" });
    await p.pair();
    for (let i = 0; i < 50; i++) {
      p.a.doc.getMap("prefs").set(`k${i % 7}`, `a${i}`);
      p.b.doc.getMap("prefs").set(`k${i % 5}`, `b${i}`);
      p.a.doc.getArray("log").push([`a${i}`]);
      p.b.doc.getArray("log").push([`b${i}`]);
      p.a.doc.getText("note").insert(0, "a");
      p.b.doc.getText("note").insert(0, "b");
    }
    await p.settle();
    expect(p.a.doc.getMap("prefs").toJSON()).toEqual(p.b.doc.getMap("prefs").toJSON());
    expect(p.a.doc.getArray("log").toJSON()).toEqual(p.b.doc.getArray("log").toJSON());
    expect(p.a.doc.getArray("log").length).toBe(100);
    expect(p.a.doc.getText("note").toString()).toBe(p.b.doc.getText("note").toString());
    await p.a.end();
  });

  it("edits made before pairing are synced once connected", async () => {
    const p = createEnginePair({ seed: "pair-3" });
    p.a.doc.getMap("prefs").set("early", 1);
    p.b.doc.getMap("prefs").set("alsoEarly", 2);
    await p.pair();
    expect(p.b.doc.getMap("prefs").toJSON()).toEqual({ early: 1, alsoEarly: 2 });
    expect(p.a.doc.getMap("prefs").toJSON()).toEqual({ early: 1, alsoEarly: 2 });
    await p.b.end();
  });

  it("a large doc (over one frame) syncs through fragments", async () => {
    const p = createEnginePair({ seed: "pair-4", limits: { maxMessageSize: 4096, highWaterMark: 8192, lowWaterMark: 2048 } });
    const m = p.a.doc.getMap("big");
    p.a.doc.transact(() => {
      for (let i = 0; i < 400; i++) m.set(`key-${i}`, "x".repeat(100) + i);
    });
    await p.pair();
    expect(p.b.doc.getMap("big").size).toBe(400);
    expect(p.b.doc.getMap("big").toJSON()).toEqual(m.toJSON());
    expect(p.b.snapshot().counters["activity.doc.remote"]).toBeGreaterThan(0);
    await p.a.end();
  });

  it("wrong code: WrongCodeError on join, wrongCode on both sides, no keys survive", async () => {
    const p = createEnginePair({ seed: "pair-wrong" });
    const ka = watchKeys(p.a);
    const kb = watchKeys(p.b);
    const { code } = await p.a.host();
    const np = code.split("-")[0]!;
    let wrong = code;
    for (let i = 0; wrong === code; i++) wrong = generateCode({ nameplate: np, random: (n) => new Uint8Array(n).fill(i) });
    const err = await p.b.join(wrong).then(() => undefined, (e: unknown) => e);
    expect((err as Error).name).toBe("WrongCodeError");
    await p.settle();
    expect(await p.a.ended).toBe("wrongCode");
    expect(await p.b.ended).toBe("wrongCode");
    // keys existed during the attempt (SPAKE2 key, confirmation keys) and are all zero now
    expect(ka.buffers.size + kb.buffers.size).toBeGreaterThan(0);
    for (const b of [...ka.buffers, ...kb.buffers]) expect(allZero(b)).toBe(true);
    expect(probeEngine(p.a).secretBuffers()).toEqual([]);
    expect(probeEngine(p.b).secretBuffers()).toEqual([]);
    // the code is burned: the nameplate is gone, a second attempt finds nobody
    const again = createEnginePair({ seed: "pair-wrong-2" });
    await expect(again.b.join(code)).rejects.toMatchObject({ name: "NameplateNotFoundError" });
  });

  it("a malformed or unknown code from the caller is a typed error and the engine stays usable", async () => {
    const p = createEnginePair({ seed: "pair-bad-input" });
    await expect(p.b.join("not a code")).rejects.toMatchObject({ name: "CodeFormatError" });
    await expect(p.b.join("7-qwertyuiop-zzzz")).rejects.toMatchObject({ name: "UnknownWordError" });
    await expect(p.b.join(generateCode({ nameplate: "42" }))).rejects.toMatchObject({ name: "NameplateNotFoundError" });
    expect(p.b.snapshot().status).toBe("idle");
    await p.pair(); // still pairs after the failures
    expect(p.b.snapshot().status).toBe("connected");
    await expect(p.b.join(generateCode({ nameplate: "1" }))).rejects.toMatchObject({ name: "EngineStateError" });
    await p.a.end();
  });

  it("host() resolves with the code before anyone joins; nothing else happens until then", async () => {
    const p = createEnginePair({ seed: "pair-early" });
    const { code } = await p.a.host();
    await p.settle();
    expect(code.split("-").length).toBe(3);
    expect(p.a.snapshot().actors["pairing"]?.value).toBeDefined();
    expect(p.a.snapshot().status).toBe("pairing");
    await p.a.end();
    expect(await p.a.ended).toBe("user");
  });
});
