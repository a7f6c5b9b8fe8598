/**
 * One provided session machine serves every engine: the actors and effects find their engine by
 * the actor system, so two engines in one process never act on each other's scope, and an actor
 * of that machine outside an engine fails clearly instead of touching someone else's session.
 */
import { createActor } from "xstate";
import { describe, expect, it } from "vitest";
import { createMemoryNetwork, createSyncEngine } from "../../src/runtime/index.js";
import { sessionLogic } from "../../src/runtime/session-logic.js";
import { TestClock } from "../../src/testing/test-clock.js";

describe("the session machine, provided once per process", () => {
  it("an actor of it that no engine owns fails with a clear error at its first I/O", () => {
    const actor = createActor(sessionLogic, { clock: new TestClock() });
    const errors: Error[] = [];
    actor.subscribe({ error: (e) => errors.push(e as Error) });
    actor.start();
    expect(actor.getSnapshot().status).toBe("active"); // idle does no I/O
    actor.send({ type: "START", role: "host", nameplate: "7" });
    expect(actor.getSnapshot().status).toBe("error");
    expect(errors.map((e) => [e.name, e.message])).toEqual([["EngineStateError", "this actor does not run in a session made by createSyncEngine"]]);
  });

  it("two engines in one process pair and each ends only its own session", async () => {
    const net = createMemoryNetwork({ seed: 3 });
    const pairs = [0, 1].map((i) => {
      const a = createSyncEngine({ ...net.device(`a${i}`), deviceName: `a${i}` });
      const b = createSyncEngine({ ...net.device(`b${i}`), deviceName: `b${i}` });
      return { a, b };
    });
    for (const { a, b } of pairs) {
      const { code } = await a.host();
      await b.join(code);
    }
    pairs[0]!.a.doc.getMap("m").set("k", "first");
    pairs[1]!.a.doc.getMap("m").set("k", "second");
    await Promise.all(pairs.map(({ b }) => b.whenSynced()));
    await pairs[0]!.a.end();
    expect(await pairs[0]!.b.ended).toBe("peerEnded");
    expect(pairs[1]!.a.snapshot().status).toBe("connected");
    expect(pairs[1]!.b.snapshot().status).toBe("connected");
    await pairs[1]!.b.end();
    expect(await pairs[1]!.a.ended).toBe("peerEnded");
  });
});
