/**
 * Inspection: a full session (pair, connect, rotate, reconnect, rotate again, verify, end) runs
 * as `provideSession` builds it over a fake world, under `createActor(…, { inspect })`. Every
 * inspection event — raw, and as converted by @statelyai/inspect's own pipeline into what the
 * Stately inspector would receive (offline adapter, no network) — is serialised and searched: no
 * binary data, no key-named field. The machines never see keys; the runtime's suite seeds a
 * recognisable key pattern into the key store and searches the engine's inspection stream for it.
 */
import { createInspector, type StatelyInspectionEvent } from "@statelyai/inspect";
import { afterEach, describe, expect, test, vi } from "vitest";
import { createActor, type AnyActorRef, type InspectionEvent } from "xstate";
import { TestClock } from "../../src/testing/test-clock.js";
import { assertNoSecrets } from "./harness.js";
import { advance } from "./timers.js";
import { flush, Stage } from "./world.js";

const stage = new Stage();

/** The public fields of an inspection event as plain data (live actor refs reduced to their identity). */
function plain(ev: InspectionEvent): unknown {
  const pub: Record<string, unknown> = { type: ev.type, rootId: ev.rootId, actorRef: ev.actorRef };
  if (ev.type === "@xstate.event") Object.assign(pub, { sourceRef: ev.sourceRef, event: ev.event });
  if (ev.type === "@xstate.snapshot" || ev.type === "@xstate.microstep") Object.assign(pub, { event: ev.event, snapshot: ev.snapshot });
  if (ev.type === "@xstate.action") pub["action"] = ev.action;
  return JSON.parse(
    JSON.stringify(pub, (_name, v: unknown) =>
      v !== null && typeof v === "object" && "sessionId" in v && "getSnapshot" in v ? { actor: (v as AnyActorRef).id, sessionId: (v as AnyActorRef).sessionId } : v,
    ),
  );
}

async function fullSession(inspect: (ev: InspectionEvent) => void): Promise<AnyActorRef> {
  const clock = new TestClock();
  const world = stage.fresh(clock);
  const actor = createActor(stage.machines.session, { clock, inspect, input: { strict: true } });
  world.session = actor;
  actor.start();
  actor.send({ type: "START", role: "host", nameplate: "7" });
  world.pairingEvent({ type: "PEER_JOINED" });
  world.pairingEvent({ type: "PAKE_EXCHANGED" });
  world.pairingEvent({ type: "PAKE_OK" });
  world.connects.current.resolve({ channelId: "ch-1" });
  await flush();
  world.activity();
  actor.send({ type: "VERIFY_CONFIRM" });
  actor.send({ type: "PEER_VERIFIED" });
  actor.send({ type: "ROTATE_NOW" });
  actor.send({ type: "ROTATE_ACKED", epoch: 1 });
  advance(clock, 10_000);
  world.peerFrame();
  world.closeLink("remote");
  advance(clock, 500);
  world.connects.current.resolve({ channelId: "ch-2" });
  await flush();
  actor.send({ type: "PEER_ROTATE", epoch: 2 });
  world.activity();
  actor.send({ type: "END" });
  expect(world.effects.map((e) => `${e.name}@${e.at}`)).toEqual([
    "sendPing@0", "announceVerified@0", "startSync@0", "sendRotate@0", "sendPing@5000", "expireEpoch@10000", "sendPing@10000",
    "sendPing@10500", "wipe@10500", "close@10500",
  ]);
  return actor;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("inspection carries no secret material", () => {
  test("raw inspection events of a full session", async () => {
    const events: InspectionEvent[] = [];
    const actor = await fullSession((ev) => events.push(ev));
    expect(actor.getSnapshot().output).toEqual({ reason: "user" });
    const types = new Set(events.map((e) => e.type));
    for (const t of ["@xstate.actor", "@xstate.event", "@xstate.snapshot", "@xstate.microstep", "@xstate.action"]) expect(types).toContain(t);
    // All six machines and the runtime's actors show up.
    const actors = events.flatMap((e) => (e.type === "@xstate.actor" ? [(e.actorRef as AnyActorRef).id] : []));
    expect(actors).toEqual(
      expect.arrayContaining(["pairing", "deadMan", "expiry", "connection", "keyRotation", "pairingExchange", "advertise", "signalMailbox", "connect", "peerLink"]),
    );
    // Effects travel as public parameters only.
    const wipe = events.find((e) => e.type === "@xstate.action" && e.action.type === "wipe");
    expect(wipe?.type === "@xstate.action" && wipe.action.params).toEqual({ reason: "user", notifyPeer: true });
    for (const [i, ev] of events.entries()) assertNoSecrets(plain(ev), `inspection event ${i} ${ev.type}`);
  });

  test("through @statelyai/inspect (what the Stately inspector receives), offline", async () => {
    // The inspector defers conversion with setTimeout(0); fake timers flush it without waiting.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const received: StatelyInspectionEvent[] = [];
    const inspector = createInspector({ send: (ev) => received.push(ev) });
    await fullSession(inspector.inspect.next!.bind(inspector.inspect));
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
