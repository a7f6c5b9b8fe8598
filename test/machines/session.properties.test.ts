/**
 * Property suite for the session (with its real children): random event sequences — valid,
 * out of order, repeated, after the end — with random clock advances and random timings.
 * Invariants are checked after every step.
 */
import { test } from "@fast-check/vitest";
import { beforeAll, describe, expect, vi } from "vitest";
import { createActor, SimulatedClock, type AnyActorRef } from "xstate";
import { sessionMachine } from "../../src/machines/index.js";
import { DEFAULT_TIMINGS, type EndReason, type Timings } from "../../src/machines/protocol.js";
import { sessionStepsArb, timingsArb, type Step } from "./arbitraries.js";
import { advance, assertNoSecrets, ensure, observable, recordCommands, same } from "./harness.js";

const RUNS = 1_000;

// XState's development build warns on every event sent to a finished actor; the suites send
// such events on purpose (they must be ignored). Keep the output readable, fail on other warnings.
beforeAll(() => {
  vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => {
    if (!String(args[0]).includes("was sent to stopped actor")) throw new Error(`unexpected warning: ${String(args[0])}`);
  });
});

/** End reasons the random runs reached (a generator that never reaches one would test nothing). */
const seenReasons = new Set<EndReason>();

type Value = string | { active: string };
const isActive = (v: Value): boolean => typeof v === "object" && "active" in v;

function runSession(timings: Timings, steps: readonly Step[]): void {
  const clock = new SimulatedClock();
  const actor = createActor(sessionMachine, { clock, input: { timings } });
  const cmds = recordCommands(actor, clock);
  // The key-rotation child's epoch at the moment each SEND_ROTATE is emitted.
  const rotateFrom: Array<{ sent: number; current: number }> = [];
  actor.on("SEND_ROTATE", (c) => {
    const child = actor.getSnapshot().children.keyRotation as AnyActorRef | undefined;
    rotateFrom.push({ sent: c.epoch, current: (child?.getSnapshot() as { context: { epoch: number } }).context.epoch });
  });
  actor.start();
  let startedAt: number | null = null;
  let pairedAt: number | null = null;
  let lastActivity = 0;
  let lastPeerOk = 0;
  let lastEpoch = 0;
  let checked = 0;
  let wiped = false;
  let expiredCount = 0;
  let rotatesChecked = 0;
  let prevRotate = 0;

  const check = (where: string): void => {
    const s = actor.getSnapshot();
    const now = clock.now();
    assertNoSecrets(observable(actor), where);
    if (s.status === "done") {
      const types = cmds.map((c) => c.type);
      const wipes = types.filter((t) => t === "WIPE").length;
      const reason: EndReason = s.output!.reason;
      seenReasons.add(reason);
      same(wipes, 1, where);
      same(types.slice(-3), ["WIPE", "CLOSE", "ENDED"], where);
      same(types.filter((t) => t === "ENDED" || t === "CLOSE").length, 2, where);
      const wipe = cmds.at(-3)!;
      const endedAt = cmds.at(-1)!.at;
      const notifyPeer = pairedAt !== null && reason !== "peerEnded" && reason !== "peerGone";
      same(wipe, { type: "WIPE", reason, notifyPeer, at: endedAt }, where);
      same(cmds.at(-1), { type: "ENDED", reason, at: endedAt }, where);
      // Timed endings happen exactly when their clock runs out.
      if (reason === "inactivity") same(endedAt, lastActivity + timings.inactivityMs, where);
      if (reason === "expired") same(endedAt, pairedAt! + timings.maxSessionMs, where);
      if (reason === "pairingTimeout") same(endedAt, startedAt! + timings.pairingTimeoutMs, where);
      if (reason === "peerGone" && pairedAt !== null) same(endedAt, lastPeerOk + timings.peerGoneMs, where);
      // And no timed ending was overdue before it.
      const paired = pairedAt;
      if (paired !== null) {
        ensure(endedAt - paired <= timings.maxSessionMs, () => `${where}: alive ${endedAt - paired} ms past pairing`);
        ensure(endedAt - lastActivity <= timings.inactivityMs, () => `${where}: ${String(endedAt - lastActivity)} > ${String(timings.inactivityMs)}`);
        ensure(endedAt - lastPeerOk <= timings.peerGoneMs, () => `${where}: ${String(endedAt - lastPeerOk)} > ${String(timings.peerGoneMs)}`);
      }
    } else {
      ensure(!cmds.some((c) => c.type === "WIPE" || c.type === "CLOSE" || c.type === "ENDED"), () => `${where}: ending commands while alive`);
      // Alive: the dead-man has not passed, the 4 h limit has not passed, the peer is not overdue.
      if (pairedAt !== null) {
        ensure(now - pairedAt < timings.maxSessionMs, () => `${where}: alive past maxSessionMs`);
        ensure(now - lastActivity < timings.inactivityMs, () => `${where}: alive past inactivityMs`);
        ensure(now - lastPeerOk < timings.peerGoneMs, () => `${where}: alive past peerGoneMs`);
      } else if (startedAt !== null) {
        ensure(now - startedAt < timings.pairingTimeoutMs, () => `${where}: pairing past pairingTimeoutMs`);
      }
    }
    // Incremental checks over the commands emitted since the last step.
    for (; checked < cmds.length; checked += 1) {
      const c = cmds[checked]!;
      if (c.type === "CONNECT" || c.type === "SEND_PING" || c.type === "SEND_ROTATE" || c.type === "EXPIRE_EPOCH") {
        // Lifecycle commands only while paired and before WIPE.
        ensure(pairedAt !== null && c.at >= pairedAt && !wiped, () => `${where}: ${c.type} outside the paired life`);
      }
      if (c.type === "WIPE") wiped = true;
      // EXPIRE_EPOCH is exactly 0, 1, 2, ...
      if (c.type === "EXPIRE_EPOCH") {
        ensure(c.epoch === expiredCount, () => `${where}: EXPIRE_EPOCH ${c.epoch}, expected ${expiredCount}`);
        expiredCount += 1;
      }
    }
    // SEND_ROTATE always asks for current + 1 (retries repeat it, never go back).
    for (; rotatesChecked < rotateFrom.length; rotatesChecked += 1) {
      const r = rotateFrom[rotatesChecked]!;
      ensure(r.sent === r.current + 1 && r.sent >= prevRotate, () => `${where}: SEND_ROTATE ${r.sent} at epoch ${r.current}`);
      prevRotate = r.sent;
    }
    // The key-rotation child's epoch moves by +1 at most per step.
    const rotation = (s.children as Record<string, AnyActorRef | undefined>).keyRotation;
    if (rotation) {
      const epoch = (rotation.getSnapshot() as { context: { epoch: number } }).context.epoch;
      ensure(epoch === lastEpoch || epoch === lastEpoch + 1, () => `${where}: epoch ${lastEpoch} -> ${epoch}`);
      lastEpoch = epoch;
      ensure(expiredCount <= epoch, () => `${where}: expired ${expiredCount} epochs at epoch ${epoch}`);
    }
  };

  check("start");
  steps.forEach((step, i) => {
    const before = actor.getSnapshot();
    const wasDone = before.status === "done";
    const count = cmds.length;
    const frozen = wasDone ? JSON.stringify(observable(actor)) : "";
    if (step.kind === "advance") {
      advance(clock, step.ms);
    } else {
      const value = before.value as Value;
      actor.send(step.event);
      const now = clock.now();
      if (!wasDone) {
        if (step.event.type === "START" && value === "idle") startedAt = now;
        if (step.event.type === "PAKE_OK" && value === "pairing") {
          pairedAt = now;
          lastActivity = now;
          lastPeerOk = now;
        }
        if (step.event.type === "ACTIVITY" && isActive(value)) lastActivity = now;
        if (step.event.type === "PEER_MESSAGE_OK" && isActive(value)) lastPeerOk = now;
      }
    }
    if (wasDone) {
      // Nothing happens after the end: no command, no change.
      same(cmds.length, count, "after the end");
      ensure(JSON.stringify(observable(actor)) === frozen, () => "state changed after the end");
    }
    check(`step ${i} ${step.kind === "event" ? step.event.type : `+${step.ms}ms`}`);
  });
  actor.stop();
}

describe("session properties", () => {
  test.prop([timingsArb, sessionStepsArb()], { numRuns: RUNS })(
    "WIPE once and first, nothing after ENDED, timed endings exact, epochs +1, no secrets",
    (timings, steps) => runSession(timings, steps),
  );

  test.prop([sessionStepsArb()], { numRuns: 100 })("the same invariants with the default timings", (steps) =>
    runSession(DEFAULT_TIMINGS, steps),
  );

  test("the random runs reached every end reason", () => {
    const all: EndReason[] = ["user", "inactivity", "expired", "wrongCode", "pairingTimeout", "peerGone", "peerEnded", "error"];
    expect([...seenReasons].sort()).toEqual([...all].sort());
  });
});

describe("session scenarios", () => {
  test("four hours of a busy session run in milliseconds and end expired, rotating every 30 min", () => {
    const clock = new SimulatedClock();
    const actor = createActor(sessionMachine, { clock });
    const cmds = recordCommands(actor, clock);
    actor.start();
    actor.send({ type: "START", role: "host" });
    actor.send({ type: "PAKE_OK" });
    actor.send({ type: "CHANNEL_OPEN", channelId: "c" });
    let epoch = 0;
    actor.on("SEND_ROTATE", (c) => {
      epoch = c.epoch;
    });
    const started = performance.now();
    while (actor.getSnapshot().status === "active") {
      advance(clock, 30_000);
      actor.send({ type: "ACTIVITY" });
      actor.send({ type: "PEER_MESSAGE_OK" });
      actor.send({ type: "ROTATE_ACKED", epoch });
    }
    const elapsed = performance.now() - started;
    expect(actor.getSnapshot().output).toEqual({ reason: "expired" });
    expect(clock.now()).toBe(DEFAULT_TIMINGS.maxSessionMs);
    const rotations = cmds.filter((c) => c.type === "SEND_ROTATE").map((c) => c.type === "SEND_ROTATE" && c.epoch);
    expect(rotations).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(cmds.slice(-3).map((c) => c.type)).toEqual(["WIPE", "CLOSE", "ENDED"]);
    expect(elapsed).toBeLessThan(2_000);
  });

  test("events after the end are ignored", () => {
    const actor = createActor(sessionMachine, { clock: new SimulatedClock() });
    const cmds: unknown[] = [];
    actor.on("*", (c) => cmds.push(c));
    actor.start();
    actor.send({ type: "END" });
    expect(cmds).toEqual([
      { type: "WIPE", reason: "user", notifyPeer: false },
      { type: "CLOSE" },
      { type: "ENDED", reason: "user" },
    ]);
    for (const type of ["START", "PAKE_OK", "END", "FATAL"] as const) actor.send({ type, role: "host", error: "x" } as never);
    expect(cmds).toHaveLength(3);
    expect(actor.getSnapshot().value).toBe("ended");
  });
});
