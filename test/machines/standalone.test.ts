/**
 * Each child machine runs on its own with no input (DEFAULT_TIMINGS), and timings are validated.
 */
import { describe, expect, test } from "vitest";
import { createActor, SimulatedClock } from "xstate";
import {
  connectionMachine,
  deadManMachine,
  DEFAULT_TIMINGS,
  expiryMachine,
  keyRotationMachine,
  pairingMachine,
  reconnectDelay,
  resolveTimings,
} from "../../src/machines/index.js";
import { advance, recordCommands } from "./harness.js";

describe("standalone children with default timings", () => {
  test("deadMan trips 2 min after the last ACTIVITY", () => {
    const clock = new SimulatedClock();
    const actor = createActor(deadManMachine, { clock }).start();
    advance(clock, 119_999);
    actor.send({ type: "ACTIVITY" });
    advance(clock, 119_999);
    expect(actor.getSnapshot().status).toBe("active");
    advance(clock, 1);
    expect(actor.getSnapshot().output).toEqual({ reason: "inactivity" });
    expect(clock.now()).toBe(119_999 + 120_000);
  });

  test("expiry ends exactly 4 h after start", () => {
    const clock = new SimulatedClock();
    const actor = createActor(expiryMachine, { clock }).start();
    advance(clock, 4 * 3_600_000 - 1);
    expect(actor.getSnapshot().value).toBe("running");
    advance(clock, 1);
    expect(actor.getSnapshot().output).toEqual({ reason: "expired" });
  });

  test("pairing times out after 5 min", () => {
    const clock = new SimulatedClock();
    const actor = createActor(pairingMachine, { clock }).start();
    actor.send({ type: "CODE_READY", nameplate: "4" });
    advance(clock, 300_000);
    expect(actor.getSnapshot().output).toEqual({ result: "failed", reason: "pairingTimeout" });
  });

  test("connection backs off 0.5 s doubling to 30 s", () => {
    const clock = new SimulatedClock();
    const actor = createActor(connectionMachine, { clock });
    const cmds = recordCommands(actor, clock);
    actor.start();
    const connectTimes: number[] = [];
    for (let i = 0; i < 9; i += 1) {
      actor.send({ type: "PEER_MESSAGE_OK" });
      actor.send({ type: "CONNECT_FAILED", error: "x" });
      advance(clock, reconnectDelay(DEFAULT_TIMINGS, i + 1));
      connectTimes.push(clock.now());
    }
    const gaps = connectTimes.map((t, i) => t - (connectTimes[i - 1] ?? 0));
    expect(gaps).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    expect(cmds.filter((c) => c.type === "CONNECT").map((c) => c.at)).toEqual([0, ...connectTimes]);
  });

  test("keyRotation rotates every 30 min and expires the old epoch 10 s later", () => {
    const clock = new SimulatedClock();
    const actor = createActor(keyRotationMachine, { clock });
    const cmds = recordCommands(actor, clock);
    actor.start();
    advance(clock, 1_800_000);
    actor.send({ type: "ROTATE_ACKED", epoch: 1 });
    advance(clock, 10_000);
    expect(cmds).toEqual([
      { type: "SEND_ROTATE", epoch: 1, at: 1_800_000 },
      { type: "EXPIRE_EPOCH", epoch: 0, at: 1_810_000 },
    ]);
  });

  test("timings must be finite and >= 0", () => {
    expect(() => resolveTimings({ inactivityMs: -1 })).toThrow(RangeError);
    expect(() => resolveTimings({ maxSessionMs: Number.NaN })).toThrow(/maxSessionMs/);
    expect(resolveTimings(undefined)).toEqual(DEFAULT_TIMINGS);
  });
});
