/**
 * Model-based tests: for each of the six machines, shortest paths from xstate/graph that cover
 * every transition (delayed and done transitions included) are walked against real actors on a
 * SimulatedClock. Coverage is measured from the transitions the real actors took and compared
 * with every transition the machine definitions declare; anything below 100% fails.
 */
import { afterAll, describe, expect, test } from "vitest";
import type { AnyEventObject, AnyMachineSnapshot, AnyStateMachine, EventObject } from "xstate";
import {
  connectionMachine,
  deadManMachine,
  expiryMachine,
  keyRotationMachine,
  pairingMachine,
  sessionMachine,
  MACHINES as CATALOG,
} from "../../src/machines/index.js";
import type { EndReason, SessionCommand } from "../../src/machines/protocol.js";
import { allTransitions, CoverageRecorder, fireTimer, WALK_TIMINGS, type FireMode } from "./harness.js";
import { walk, type WalkConfig, type WalkReport } from "./walk.js";

const T = WALK_TIMINGS;
const input = { timings: T };
const none = (): SessionCommand[] => [];

const STATIC_CASES: Record<string, AnyEventObject[]> = {
  START: [{ type: "START", role: "host" }],
  CODE_READY: [{ type: "CODE_READY", nameplate: "7" }],
  PAKE_FAILED: [
    { type: "PAKE_FAILED", reason: "wrongCode" },
    { type: "PAKE_FAILED", reason: "malformed" },
    { type: "PAKE_FAILED", reason: "peerGone" },
  ],
  CHANNEL_OPEN: [{ type: "CHANNEL_OPEN", channelId: "ch-1" }],
  CHANNEL_CLOSED: [{ type: "CHANNEL_CLOSED", reason: "remote" }],
  CONNECT_FAILED: [{ type: "CONNECT_FAILED", error: "ice failed" }],
  PEER_BYE: [{ type: "PEER_BYE", reason: "user" }],
  END: [{ type: "END" }, { type: "END", reason: "error" }],
  FATAL: [{ type: "FATAL", error: "boom" }],
  "xstate.done.actor.pairing": [{ type: "xstate.done.actor.pairing", output: { result: "failed", reason: "pairingTimeout" } }],
  "xstate.done.actor.deadMan": [{ type: "xstate.done.actor.deadMan", output: { reason: "inactivity" } }],
  "xstate.done.actor.expiry": [{ type: "xstate.done.actor.expiry", output: { reason: "expired" } }],
  "xstate.done.actor.connection": [{ type: "xstate.done.actor.connection", output: { reason: "peerGone" } }],
};

/** Epoch events: the valid next epoch and a stale one (must be ignored). */
function cases(type: string, s: AnyMachineSnapshot): AnyEventObject[] | undefined {
  const epoch = (s.context as { epoch?: number }).epoch ?? 0;
  if (type === "PEER_ROTATE" || type === "ROTATE_ACKED") {
    return [{ type, epoch: epoch + 1 }, { type, epoch }];
  }
  return STATIC_CASES[type];
}

const isAfter = (e: EventObject, delay: string): boolean => e.type.startsWith(`xstate.after.${delay}.`);

function connectionCommands(prev: AnyMachineSnapshot | undefined, e: EventObject): SessionCommand[] {
  if (prev === undefined) return [{ type: "CONNECT", attempt: 1 }];
  const ctx = prev.context as { attempt: number };
  const link = (prev.value as { live?: { link?: string } }).live?.link;
  if (isAfter(e, "pingInterval")) return [{ type: "SEND_PING" }];
  if (isAfter(e, "reconnectBackoff")) return [{ type: "CONNECT", attempt: ctx.attempt + 1 }];
  if (e.type === "CHANNEL_OPEN" && link !== "open") return [{ type: "SEND_PING" }];
  return [];
}

function keyRotationCommands(prev: AnyMachineSnapshot | undefined, e: EventObject, next: AnyMachineSnapshot): SessionCommand[] {
  if (prev === undefined) return [];
  const ctx = prev.context as { epoch: number; graceEpoch: number | null; channelUp: boolean };
  const nextEpoch = (next.context as { epoch: number }).epoch;
  // Epochs move by +1 or not at all.
  expect([ctx.epoch, ctx.epoch + 1]).toContain(nextEpoch);
  const rotation = (prev.value as { rotation: string }).rotation;
  const rotate: SessionCommand[] = [{ type: "SEND_ROTATE", epoch: ctx.epoch + 1 }];
  const expireOld: SessionCommand[] = ctx.graceEpoch === null ? [] : [{ type: "EXPIRE_EPOCH", epoch: ctx.graceEpoch }];
  const epochOf = (e as { epoch?: number }).epoch;
  if (e.type === "ROTATE_NOW") return rotation === "keyed" && ctx.channelUp ? rotate : [];
  if (isAfter(e, "rotationInterval")) return ctx.channelUp ? rotate : [];
  if (e.type === "CHANNEL_OPEN") return rotation === "waitingForChannel" ? rotate : [];
  if (isAfter(e, "ackTimeout")) return rotate;
  if (e.type === "PEER_ROTATE" && epochOf === ctx.epoch + 1) return expireOld;
  if (e.type === "ROTATE_ACKED" && rotation === "rotating" && epochOf === ctx.epoch + 1) return expireOld;
  if (isAfter(e, "rotationGrace")) return expireOld;
  return [];
}

function endReasonOf(e: EventObject): EndReason {
  switch (e.type) {
    case "END":
      return (e as { reason?: EndReason }).reason ?? "user";
    case "FATAL":
      return "error";
    case "PEER_BYE":
      return "peerEnded";
    case "PAKE_FAILED":
      return (e as AnyEventObject)["reason"] === "peerGone" ? "peerGone" : "wrongCode";
    case "xstate.done.actor.pairing":
      return "pairingTimeout";
    case "xstate.done.actor.deadMan":
      return "inactivity";
    case "xstate.done.actor.expiry":
      return "expired";
    case "xstate.done.actor.connection":
      return "peerGone";
    default:
      throw new Error(`no end reason for ${e.type}`);
  }
}

function sessionCommands(prev: AnyMachineSnapshot | undefined, e: EventObject, next: AnyMachineSnapshot): SessionCommand[] {
  if (prev === undefined || prev.status === "done" || next.status !== "done") return [];
  const reason = endReasonOf(e);
  expect(next.output).toEqual({ reason });
  const wasActive = typeof prev.value === "object" && prev.value !== null && "active" in prev.value;
  const notifyPeer = wasActive && reason !== "peerEnded" && reason !== "peerGone";
  return [{ type: "WIPE", reason, notifyPeer }, { type: "CLOSE" }, { type: "ENDED", reason }];
}

/** Children finish on their own timers: make that happen on the real clock. */
function driveSession(e: EventObject, clock: Parameters<NonNullable<WalkConfig["drive"]>>[1]): FireMode | false {
  const timer: Record<string, number> = {
    "xstate.done.actor.pairing": T.pairingTimeoutMs,
    "xstate.done.actor.deadMan": T.inactivityMs,
    "xstate.done.actor.expiry": T.maxSessionMs,
    "xstate.done.actor.connection": T.peerGoneMs,
  };
  const ms = timer[e.type];
  if (ms === undefined) return false;
  return fireTimer(clock, ms);
}

const MACHINES: Array<[string, AnyStateMachine, WalkConfig]> = [
  ["deadMan", deadManMachine, { machine: deadManMachine, input, expectCommands: none }],
  ["expiry", expiryMachine, { machine: expiryMachine, input, expectCommands: none }],
  ["pairing", pairingMachine, { machine: pairingMachine, input: { ...input, role: "join" }, cases, expectCommands: none }],
  ["connection", connectionMachine, { machine: connectionMachine, input, cases, expectCommands: connectionCommands }],
  ["keyRotation", keyRotationMachine, { machine: keyRotationMachine, input, cases, expectCommands: keyRotationCommands }],
  [
    "session",
    sessionMachine,
    {
      machine: sessionMachine,
      input,
      cases,
      // Children send these; the walk produces them through the real children, never from outside.
      internal: new Set(["lethe.command"]),
      drive: driveSession,
      expectCommands: sessionCommands,
    },
  ],
];

const coverage = new CoverageRecorder();
const reports: Record<string, WalkReport & { transitions: number; states: number }> = {};

function countStates(machine: AnyStateMachine): number {
  let n = 0;
  const visit = (node: AnyStateMachine["root"]): void => {
    n += 1;
    for (const c of Object.values(node.states)) visit(c);
  };
  visit(machine.root);
  return n - 1; // the machine root itself is not a state
}

describe("model-based walks", () => {
  for (const [name, machine, config] of MACHINES) {
    test(`${name}: every generated path holds on the real actor`, () => {
      const report = walk(config, coverage);
      reports[name] = { ...report, transitions: allTransitions(machine).length, states: countStates(machine) };
      expect(report.fired.clock + report.fired.direct).toBeGreaterThan(name === "session" ? 3 : 0);
      expect(report.paths).toBeGreaterThan(0);
    });
  }

  for (const [name, machine] of MACHINES) {
    test(`${name}: 100% of the declared transitions were taken by real actors`, () => {
      expect(coverage.missing(machine)).toEqual([]);
    });
  }

  for (const entry of CATALOG) {
    test(`${entry.name}: the commands in docs/machines.md are the ones the walk saw`, () => {
      const seen = [...(reports[entry.name]?.commands ?? [])].sort();
      if (entry.name === "session") {
        // The session's own commands, plus whatever of its children's the walk drove.
        expect(seen).toEqual(expect.arrayContaining(["CLOSE", "CONNECT", "ENDED", "SEND_PING", "SEND_ROTATE", "WIPE"]));
        for (const c of seen) expect(entry.commands).toContain(c);
      } else {
        expect(seen).toEqual([...entry.commands].sort());
      }
    });
  }

  afterAll(() => {
    // The closing note quotes these numbers.
    console.info(`model-based coverage: ${JSON.stringify(reports, (_k, v: unknown) => (v instanceof Set ? [...v] : v))}`);
  });
});
