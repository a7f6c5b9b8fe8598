/**
 * Inspection: a full session (pair, connect, rotate, reconnect, rotate again, end) runs under
 * `createActor(sessionMachine, { inspect })`. Every inspection event — raw, and as converted by
 * @statelyai/inspect's own pipeline into what the Stately inspector would receive (offline
 * adapter, no network) — is serialised and searched: no binary data, no key-named field. The
 * machines never see keys; the runtime's suite seeds a recognisable key pattern into the key
 * store and searches the engine's inspection stream for it.
 */
import { createInspector, type StatelyInspectionEvent } from "@statelyai/inspect";
import { afterEach, describe, expect, test, vi } from "vitest";
import { createActor, SimulatedClock, type AnyActorRef, type InspectionEvent } from "xstate";
import { sessionMachine } from "../../src/machines/index.js";
import type { SessionEvent } from "../../src/machines/protocol.js";
import { advance, assertNoSecrets } from "./harness.js";

/** Inspection events hold live actor refs; keep their public identity only. */
function plain(ev: InspectionEvent): unknown {
  return JSON.parse(
    JSON.stringify(ev, (name, v: unknown) => {
      if (v !== null && typeof v === "object" && "sessionId" in v && "getSnapshot" in v) {
        return { actor: (v as AnyActorRef).id, sessionId: (v as AnyActorRef).sessionId };
      }
      if (name === "machine" || name === "source" || name === "target") return undefined;
      if (name === "_transitions") {
        return (v as Array<{ source: { id: string }; eventType: string }>).map((t) => `${t.source.id} --${t.eventType}`);
      }
      return v;
    }),
  );
}

function fullSession(inspect: (ev: InspectionEvent) => void): AnyActorRef {
  const clock = new SimulatedClock();
  const actor = createActor(sessionMachine, { clock, inspect });
  actor.start();
  const send = (e: SessionEvent): void => actor.send(e);
  send({ type: "START", role: "host" });
  send({ type: "CODE_READY", nameplate: "7" });
  send({ type: "PEER_JOINED" });
  send({ type: "PAKE_EXCHANGED" });
  send({ type: "PAKE_OK" });
  send({ type: "CHANNEL_OPEN", channelId: "ch-1" });
  send({ type: "ACTIVITY" });
  send({ type: "ROTATE_NOW" });
  send({ type: "ROTATE_ACKED", epoch: 1 });
  advance(clock, 10_000);
  send({ type: "PEER_MESSAGE_OK" });
  send({ type: "CHANNEL_CLOSED", reason: "remote" });
  advance(clock, 500);
  send({ type: "CHANNEL_OPEN", channelId: "ch-2" });
  send({ type: "PEER_ROTATE", epoch: 2 });
  send({ type: "ACTIVITY" });
  send({ type: "END" });
  return actor;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("inspection carries no secret material", () => {
  test("raw inspection events of a full session", () => {
    const events: InspectionEvent[] = [];
    const actor = fullSession((ev) => events.push(ev));
    expect(actor.getSnapshot().output).toEqual({ reason: "user" });
    const types = new Set(events.map((e) => e.type));
    for (const t of ["@xstate.actor", "@xstate.event", "@xstate.snapshot", "@xstate.microstep", "@xstate.action"]) {
      expect(types).toContain(t);
    }
    // All six machines show up as actors.
    const actors = events.flatMap((e) => (e.type === "@xstate.actor" ? [(e.actorRef as AnyActorRef).id] : []));
    expect(actors).toEqual(expect.arrayContaining(["pairing", "deadMan", "expiry", "connection", "keyRotation"]));
    for (const [i, ev] of events.entries()) assertNoSecrets(plain(ev), `inspection event ${i} ${ev.type}`);
  });

  test("through @statelyai/inspect (what the Stately inspector receives), offline", () => {
    // The inspector defers conversion with setTimeout(0); fake timers flush it without waiting.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const received: StatelyInspectionEvent[] = [];
    const inspector = createInspector({ send: (ev) => received.push(ev) });
    fullSession(inspector.inspect.next!.bind(inspector.inspect));
    vi.runAllTimers();
    inspector.stop();
    expect(received.length).toBeGreaterThan(50);
    const kinds = new Set(received.map((e) => e.type));
    expect([...kinds].sort()).toEqual(["@xstate.actor", "@xstate.event", "@xstate.snapshot"]);
    for (const [i, ev] of received.entries()) {
      // The definition is a JSON string of the machine config: check its fields too (it would
      // carry an initial context literal, which is why no machine has one).
      const definition = ev.type === "@xstate.actor" && ev.definition ? JSON.parse(ev.definition) : null;
      assertNoSecrets({ ...ev, definition }, `stately event ${i} ${ev.type}`);
    }
    const definitions = received.flatMap((e) => (e.type === "@xstate.actor" ? [e.name] : []));
    expect(definitions).toEqual(expect.arrayContaining(["session", "pairing", "deadMan", "expiry", "connection", "keyRotation"]));
  });

  test("the check itself catches binary data and key-named fields", () => {
    expect(() => assertNoSecrets({ context: { rootKey: "00" } })).toThrow(/key material/);
    expect(() => assertNoSecrets({ context: { blob: new Uint8Array([1]) } })).toThrow(/binary/);
    expect(() => assertNoSecrets({ event: { secret: 1 } })).toThrow(/key material/);
    expect(() => assertNoSecrets({ context: { epoch: 1, keyRotation: "x", graceEpoch: null } })).not.toThrow();
  });
});
