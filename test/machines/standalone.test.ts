/**
 * Each machine runs on its own — no parent, no input (DEFAULT_TIMINGS) — bare (the defaults of
 * its runtime-provided parts: no I/O, effects that do nothing, liveness counted from the start)
 * and as `provideSession` builds it over a fake world. Timings are validated.
 */
import { describe, expect, test } from "vitest";
import { createActor, type AnyActorRef } from "xstate";
import {
  connectionMachine,
  deadManMachine,
  DEFAULT_TIMINGS,
  expiryMachine,
  keyRotationMachine,
  pairingMachine,
  reconnectDelay,
  resolveTimings,
  sessionMachine,
} from "../../src/machines/index.js";
import { TestClock } from "../../src/testing/test-clock.js";
import { flush, Stage } from "./world.js";
import { advance } from "./timers.js";

const stage = new Stage();
const { machines } = stage;

/** Runs timers one by one (letting promise actors settle in between) until `done()`; bounded, so a hang fails. */
async function runUntil(clock: TestClock, done: () => boolean, maxTimers = 200): Promise<void> {
  for (let i = 0; i < maxTimers; i += 1) {
    await flush();
    if (done()) return;
    if (!clock.runNext()) throw new Error("nothing scheduled, and still not done");
  }
  throw new Error(`not done after ${maxTimers} timers`);
}

const isDone = (actor: AnyActorRef) => () => actor.getSnapshot().status === "done";

describe("bare machines, no parent, default timings", () => {
  test("deadMan trips exactly 2 min after start", () => {
    const clock = new TestClock();
    const actor = createActor(deadManMachine, { clock }).start();
    advance(clock, 119_999);
    expect(actor.getSnapshot().value).toBe("armed");
    advance(clock, 1);
    expect(actor.getSnapshot().output).toEqual({ reason: "inactivity" });
    expect(clock.pending).toBe(0);
  });

  test("expiry ends exactly 4 h after start", () => {
    const clock = new TestClock();
    const actor = createActor(expiryMachine, { clock }).start();
    advance(clock, 4 * 3_600_000 - 1);
    expect(actor.getSnapshot().value).toBe("running");
    advance(clock, 1);
    expect(actor.getSnapshot().output).toEqual({ reason: "expired" });
  });

  test("pairing with no exchange times out after 5 min", () => {
    const clock = new TestClock();
    const actor = createActor(pairingMachine, { clock }).start();
    advance(clock, 299_999);
    expect(actor.getSnapshot().value).toEqual({ working: "awaitingPeer" });
    advance(clock, 1);
    expect(actor.getSnapshot().output).toEqual({ result: "failed", reason: "pairingTimeout" });
  });

  test("connection with no connect fails every attempt, backs off 0.5 s doubling, and is gone 45 s after start", async () => {
    const clock = new TestClock();
    const actor = createActor(connectionMachine, { clock });
    const attempts: number[] = [];
    actor.subscribe((s) => {
      if (s.context.attempt > attempts.length) attempts.push(clock.now());
    });
    actor.start();
    await runUntil(clock, isDone(actor));
    expect(attempts).toEqual([0, 500, 1_500, 3_500, 7_500, 15_500, 31_500]);
    expect(actor.getSnapshot().context.lastFailure).toBe("Error");
    expect(actor.getSnapshot().output).toEqual({ reason: "peerGone" });
    expect(clock.now()).toBe(45_000);
  });

  test("keyRotation rotates every 30 min and drops the old epoch 10 s after the ack", () => {
    const clock = new TestClock();
    const actor = createActor(keyRotationMachine, { clock }).start();
    advance(clock, 1_800_000);
    expect(actor.getSnapshot().value).toEqual({ rotation: "rotating", grace: "idle" });
    advance(clock, 15_000);
    expect(actor.getSnapshot().context.tries).toBe(2);
    actor.send({ type: "ROTATE_ACKED", epoch: 1 });
    expect(actor.getSnapshot().context).toMatchObject({ epoch: 1, graceEpoch: 0, tries: 0 });
    advance(clock, 10_000);
    expect(actor.getSnapshot().context.graceEpoch).toBeNull();
  });

  test("the session with no runtime pairs nowhere and ends by pairing timeout", () => {
    const clock = new TestClock();
    const actor = createActor(sessionMachine, { clock }).start();
    actor.send({ type: "START", role: "host", nameplate: "9" });
    expect([...actor.getSnapshot().tags]).toEqual(["pairing"]);
    advance(clock, 300_000);
    expect(actor.getSnapshot().output).toEqual({ reason: "pairingTimeout" });
    expect([...actor.getSnapshot().tags]).toEqual(["ended"]);
    expect(clock.pending).toBe(0);
  });
});

describe("provided over a fake world, no parent, default timings", () => {
  test("deadMan trips exactly 2 min after the last activity stamp, re-arming for the remainder", () => {
    const clock = new TestClock();
    const world = stage.fresh(clock);
    const actor = createActor(machines.deadMan, { clock }).start();
    advance(clock, 90_000);
    world.activity();
    advance(clock, 30_000); // fires at 120 s: 30 s idle, re-arms for 90 s
    expect(clock.pendingDelays()).toEqual([90_000]);
    advance(clock, 89_999);
    expect(actor.getSnapshot().status).toBe("active");
    advance(clock, 1);
    expect(actor.getSnapshot().output).toEqual({ reason: "inactivity" });
    expect(clock.now()).toBe(90_000 + 120_000);
  });

  test("pairing: the exchange and the advertisement run with public input while pairing, and stop at the end", () => {
    const clock = new TestClock();
    const world = stage.fresh(clock);
    const actor = createActor(machines.pairing, { clock, input: { role: "host", nameplate: "12" } }).start();
    expect(world.exchange.current.input).toEqual({ role: "host", nameplate: "12" });
    expect(world.advertise.current.input).toEqual({ role: "host", nameplate: "12" });
    world.pairingEvent({ type: "PAKE_EXCHANGED" });
    expect(actor.getSnapshot().value).toEqual({ working: "confirming" });
    world.pairingEvent({ type: "PAKE_FAILED", reason: "malformed" });
    expect(actor.getSnapshot().output).toEqual({ result: "failed", reason: "wrongCode" });
    expect([world.exchange.running(), world.advertise.running()]).toEqual([[], []]);
  });

  test("connection: a connect that never answers is aborted at exactly 15 s (named connectTimeout)", async () => {
    const clock = new TestClock();
    const world = stage.fresh(clock);
    world.keepPeer = true;
    const actor = createActor(machines.connection, { clock }).start();
    advance(clock, 14_999);
    expect(world.connects.current.state).toBe("pending");
    advance(clock, 1);
    expect(world.connects.attempts[0]).toMatchObject({ state: "aborted", endedAt: 15_000 });
    expect(actor.getSnapshot().context.lastFailure).toBe("ConnectTimeoutError");
    advance(clock, 500);
    expect(world.connects.current.input).toEqual({ attempt: 2 });
  });

  test("connection: backoff 0.5 s doubling to 30 s, reset once a link opened; pings every 5 s on the link", async () => {
    const clock = new TestClock();
    const world = stage.fresh(clock);
    world.keepPeer = true;
    const actor = createActor(machines.connection, { clock }).start();
    const starts: number[] = [];
    for (let i = 0; i < 9; i += 1) {
      starts.push(world.connects.current.startedAt);
      world.connects.current.reject(new Error("refused"));
      await flush();
      advance(clock, reconnectDelay(DEFAULT_TIMINGS, i + 1));
    }
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    expect(gaps).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    world.connects.current.resolve({ channelId: "ch" });
    await flush();
    expect(world.links.current.input).toEqual({ channelId: "ch" });
    const openedAt = clock.now();
    advance(clock, 30_000);
    expect(world.callsOf("sendPing").map((p) => p.at - openedAt)).toEqual([0, 5_000, 10_000, 15_000, 20_000, 25_000, 30_000]);
    world.closeLink("remote");
    advance(clock, 500);
    expect(world.connects.current.input.attempt).toBe(11);
    expect(actor.getSnapshot().context.failures).toBe(1);
  });

  test("connection: a link silent for 12 s is given up at once (LinkStaleError), a lost one at once (LinkLostError); each reconnects after 0.5 s", async () => {
    const clock = new TestClock();
    const world = stage.fresh(clock);
    const actor = createActor(machines.connection, { clock }).start();
    world.connects.current.resolve({ channelId: "a" });
    await flush();
    advance(clock, 8_000);
    world.peerFrame(); // at 8 s: the link is fresh until 20 s
    advance(clock, 11_999);
    expect(world.links.current.input.channelId).toBe("a");
    advance(clock, 1);
    expect(world.links.instances[0]!.stoppedAt).toBe(20_000);
    expect(actor.getSnapshot().context).toMatchObject({ lastFailure: "LinkStaleError", channelId: null });
    advance(clock, 500);
    world.connects.current.resolve({ channelId: "b" });
    await flush();
    world.loseLink("ICE disconnected");
    expect(world.links.running()).toEqual([]);
    expect(actor.getSnapshot().context.lastFailure).toBe("LinkLostError");
    advance(clock, 499);
    expect(world.connects.running()).toEqual([]);
    advance(clock, 1);
    expect(world.connects.current.input.attempt).toBe(3);
  });

  test("keyRotation: sendRotate{1} at 30 min, expireEpoch{0} 10 s after the ack", () => {
    const clock = new TestClock();
    const world = stage.fresh(clock);
    const actor = createActor(machines.keyRotation, { clock }).start();
    advance(clock, 1_800_000);
    actor.send({ type: "ROTATE_ACKED", epoch: 1 });
    advance(clock, 10_000);
    expect(world.effects).toEqual([
      { name: "sendRotate", params: { epoch: 1 }, at: 1_800_000 },
      { name: "expireEpoch", params: { epoch: 0 }, at: 1_810_000 },
    ]);
  });
});

test("timings must be finite and >= 0", () => {
  expect(() => resolveTimings({ inactivityMs: -1 })).toThrow(RangeError);
  expect(() => resolveTimings({ maxSessionMs: Number.NaN })).toThrow(/maxSessionMs/);
  // Given to a machine directly, a bad duration leaves the actor in error (never a silent default).
  const bad = createActor(deadManMachine, { input: { timings: { inactivityMs: Number.POSITIVE_INFINITY } } }).getSnapshot();
  expect(bad.status).toBe("error");
  expect(String(bad.error)).toMatch(/RangeError: timings.inactivityMs/);
  expect(resolveTimings(undefined)).toEqual(DEFAULT_TIMINGS);
});
