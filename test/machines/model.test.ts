/**
 * Model-based tests: for each of the six machines, shortest paths from xstate/graph that cover
 * every transition (delayed transitions and the done/error transitions of invoked actors
 * included) are walked on real actors of the machine as `provideSession` builds it over a fake
 * world. Coverage is measured from the transitions the real actors took and compared with every
 * transition the definitions declare; anything below 100% fails. The catalog (docs/machines.md)
 * must name exactly the actors each machine invoked and the effects it asked for.
 */
import { afterAll, describe, expect, test } from "vitest";
import type { AnyEventObject, AnyMachineSnapshot, AnyStateMachine, EventObject } from "xstate";
import {
  connectionMachine,
  deadManMachine,
  expiryMachine,
  keyRotationMachine,
  MACHINES as CATALOG,
  pairingMachine,
  sessionMachine,
} from "../../src/machines/index.js";
import type { EndReason, PairingExchangeEvent, SessionEvent, Timings } from "../../src/machines/protocol.js";
import { allTransitions, countStates, CoverageRecorder, ensure, same, WALK_TIMINGS } from "./harness.js";
import type { FireMode } from "./timers.js";
import { walk, type Driven, type ExpectedEffect, type WalkConfig, type WalkReport, type WalkRun } from "./walk.js";
import { flush, type FakeWorld } from "./world.js";

const T = WALK_TIMINGS;
/** The session walk runs the clock until a child ends it: a one-hour lifetime keeps those runs short. */
const ST: Timings = { ...WALK_TIMINGS, maxSessionMs: 60 * 60_000 };
const none = (): ExpectedEffect[] => [];
const isAfter = (e: EventObject, delay: string): boolean => e.type.startsWith(`xstate.after.${delay}.`);
const field = <V>(e: EventObject, name: string): V => (e as AnyEventObject)[name] as V;

// ---- event cases ---------------------------------------------------------------------------

const ICE_FAILED = Object.assign(new Error("ICE failed"), { name: "IceFailedError" });

const STATIC_CASES: Record<string, AnyEventObject[]> = {
  PAKE_FAILED: [
    { type: "PAKE_FAILED", reason: "wrongCode" },
    { type: "PAKE_FAILED", reason: "malformed" },
    { type: "PAKE_FAILED", reason: "peerGone" },
  ],
  CHANNEL_OPEN: [{ type: "CHANNEL_OPEN", channelId: "ch-1" }],
  CHANNEL_CLOSED: [{ type: "CHANNEL_CLOSED", reason: "remote" }],
  LINK_LOST: [{ type: "LINK_LOST", reason: "ICE failed" }],
  PEER_BYE: [{ type: "PEER_BYE", reason: "user" }],
  END: [{ type: "END" }, { type: "END", reason: "error" }],
  FATAL: [{ type: "FATAL", error: "BoomError" }],
  "xstate.done.actor.connect": [{ type: "xstate.done.actor.connect", output: { channelId: "ch-1" } }],
  // An Error keeps its name; anything else thrown counts as ConnectFailedError.
  "xstate.error.actor.connect": [
    { type: "xstate.error.actor.connect", error: ICE_FAILED },
    { type: "xstate.error.actor.connect", error: "refused" },
  ],
  "xstate.done.actor.pairing": [
    { type: "xstate.done.actor.pairing", output: { result: "paired" } },
    { type: "xstate.done.actor.pairing", output: { result: "failed", reason: "wrongCode" } },
    { type: "xstate.done.actor.pairing", output: { result: "failed", reason: "peerGone" } },
    { type: "xstate.done.actor.pairing", output: { result: "failed", reason: "pairingTimeout" } },
  ],
  "xstate.done.actor.deadMan": [{ type: "xstate.done.actor.deadMan", output: { reason: "inactivity" } }],
  "xstate.done.actor.expiry": [{ type: "xstate.done.actor.expiry", output: { reason: "expired" } }],
  "xstate.done.actor.connection": [{ type: "xstate.done.actor.connection", output: { reason: "peerGone" } }],
  // A child that fails (an I/O actor below it threw): the session ends with `error`, wipe first.
  ...Object.fromEntries(
    ["pairing", "signalMailbox", "deadMan", "expiry", "connection", "keyRotation"].map((id) => [
      `xstate.error.actor.${id}`,
      [{ type: `xstate.error.actor.${id}`, error: new Error(`${id} failed`) }],
    ]),
  ),
};

/** Epoch events: the next epoch, a stale and a future one (both must be ignored); liveness timers: both answers of the world. */
function cases(type: string, s: AnyMachineSnapshot): AnyEventObject[] | undefined {
  if (type === "PEER_ROTATE" || type === "ROTATE_ACKED") {
    const epoch = (s.context as { epoch?: number }).epoch ?? 0;
    return [{ type, epoch: epoch + 1 }, { type, epoch }, { type, epoch: epoch + 2 }];
  }
  if (type.startsWith("xstate.after.inactivityRemaining.")) return [{ type, idle: true }, { type, idle: false }];
  if (type.startsWith("xstate.after.peerGoneRemaining.")) return [{ type, silent: true }, { type, silent: false }];
  if (type.startsWith("xstate.after.linkStaleRemaining.")) return [{ type, stale: true }, { type, stale: false }];
  return STATIC_CASES[type];
}

// ---- models: the same definitions, liveness guards answered by the event case ----------------

const deadManModel = deadManMachine.provide({ guards: { idleForFullPeriod: ({ event }) => field<boolean>(event, "idle") } });
const connectionModel = connectionMachine.provide({
  guards: {
    peerSilentFullPeriod: ({ event }) => field<boolean>(event, "silent"),
    linkSilentFullPeriod: ({ event }) => field<boolean>(event, "stale"),
  },
});

// ---- drives: how the world makes each event happen ------------------------------------------

/**
 * A liveness timer fires with the world answering "idle/silent for the full period" (the stamp
 * exactly one period before it fires: the boundary trips) or "busy" (a stamp a quarter period
 * before: the timer must re-arm for exactly the remainder).
 */
function fireLiveness(run: WalkRun, e: EventObject, stamp: "activityAt" | "peerFrameAt" | "linkFrameAt", period: number, full: boolean): FireMode {
  const { at } = run.ledger.plan(e.type);
  const ago = full ? period : Math.floor(period / 4);
  run.world[stamp] = at - ago;
  const mode = run.ledger.fire(e.type);
  if (!full) expect(run.ledger.timerFor(e.type).delay, `${e.type} re-armed for the remainder`).toBe(period - ago);
  return mode;
}

const fireTimers = (e: EventObject, run: WalkRun): Driven | undefined =>
  e.type.startsWith("xstate.after.") ? run.ledger.fire(e.type) : undefined;

function sendIt(e: EventObject, run: WalkRun): Driven {
  run.actor.send(e);
  return "sent";
}

function driveDeadMan(e: EventObject, run: WalkRun): Driven {
  if (isAfter(e, "inactivityRemaining")) return fireLiveness(run, e, "activityAt", T.inactivityMs, field(e, "idle"));
  throw new Error(`deadMan: no drive for ${e.type}`);
}

function drivePairing(e: EventObject, run: WalkRun): Driven {
  const timer = fireTimers(e, run);
  if (timer) return timer;
  run.world.pairingEvent(e as PairingExchangeEvent);
  return "sent";
}

async function driveConnection(e: EventObject, run: WalkRun): Promise<Driven> {
  if (isAfter(e, "peerGoneRemaining")) return fireLiveness(run, e, "peerFrameAt", T.peerGoneMs, field(e, "silent"));
  if (isAfter(e, "linkStaleRemaining")) return fireLiveness(run, e, "linkFrameAt", T.linkStaleMs, field(e, "stale"));
  const timer = fireTimers(e, run);
  if (timer) return timer;
  if (e.type === "xstate.done.actor.connect") run.world.connects.current.resolve(field(e, "output"));
  else if (e.type === "xstate.error.actor.connect") run.world.connects.current.reject(field(e, "error"));
  else if (e.type === "CHANNEL_CLOSED") run.world.closeLink(field(e, "reason"));
  else if (e.type === "LINK_LOST") run.world.loseLink(field(e, "reason"));
  else throw new Error(`connection: no drive for ${e.type}`);
  await flush();
  return "sent";
}

/** Runs the session's clock, timer by timer, until the session ends (bounded: a hang fails). */
function runUntilEnded(run: WalkRun): void {
  for (let i = 0; i < 50_000; i += 1) {
    if (run.actor.getSnapshot().status !== "active") return;
    if (!run.ledger.clock.runNext()) throw new Error("the session waits for nothing but is still active");
  }
  throw new Error("the session did not end within 50,000 timers");
}

/** The session's children finish on their own: the world makes that happen, in real time order. */
function driveSession(e: EventObject, run: WalkRun): Driven {
  const { world, ledger, notes } = run;
  switch (e.type) {
    case "START":
      notes["startedAt"] = ledger.now();
      return sendIt(e, run);
    case "xstate.done.actor.pairing": {
      const output = field<{ result: string; reason?: string }>(e, "output");
      if (output.result === "paired") {
        notes["pairedAt"] = ledger.now();
        world.pairingEvent({ type: "PAKE_OK" });
        return "sent";
      }
      if (output.reason === "pairingTimeout") {
        const mode = ledger.fire("xstate.after.pairingTimeout.pairing.working");
        expect(ledger.now()).toBe(notes["startedAt"]! + ST.pairingTimeoutMs);
        return mode;
      }
      world.pairingEvent({ type: "PAKE_FAILED", reason: output.reason as "wrongCode" | "peerGone" });
      return "sent";
    }
    case "xstate.done.actor.deadMan":
      world.keepPeer = true;
      runUntilEnded(run);
      expect(ledger.now(), "inactivity exactly inactivityMs after the last activity").toBe(world.activityAt + ST.inactivityMs);
      return "clock";
    case "xstate.done.actor.expiry":
      world.keepActive = world.keepPeer = true;
      runUntilEnded(run);
      expect(ledger.now(), "expiry exactly maxSessionMs after pairing").toBe(notes["pairedAt"]! + ST.maxSessionMs);
      return "clock";
    case "xstate.done.actor.connection":
      world.keepActive = true;
      runUntilEnded(run);
      expect(ledger.now(), "peerGone exactly peerGoneMs after the last peer frame").toBe(world.peerFrameAt + ST.peerGoneMs);
      return "clock";
    default:
      return sendIt(e, run);
  }
}

// ---- expected effects ------------------------------------------------------------------------

function connectionEffects(prev: AnyMachineSnapshot | undefined, e: EventObject): ExpectedEffect[] {
  if (prev === undefined) return [];
  if (isAfter(e, "pingInterval") || e.type === "xstate.done.actor.connect") return [{ name: "sendPing" }];
  return [];
}

function keyRotationEffects(prev: AnyMachineSnapshot | undefined, e: EventObject, next: AnyMachineSnapshot): ExpectedEffect[] {
  if (prev === undefined) return [];
  const ctx = prev.context as { epoch: number; graceEpoch: number | null; channelUp: boolean };
  // Epochs move by +1 or not at all.
  expect([ctx.epoch, ctx.epoch + 1]).toContain((next.context as { epoch: number }).epoch);
  const rotation = (prev.value as { rotation: string }).rotation;
  const rotate: ExpectedEffect[] = [{ name: "sendRotate", params: { epoch: ctx.epoch + 1 } }];
  const expireOld: ExpectedEffect[] = ctx.graceEpoch === null ? [] : [{ name: "expireEpoch", params: { epoch: ctx.graceEpoch } }];
  const nextEpoch = field<number | undefined>(e, "epoch") === ctx.epoch + 1;
  if (e.type === "ROTATE_NOW") return rotation === "keyed" && ctx.channelUp ? rotate : [];
  if (isAfter(e, "rotationInterval")) return ctx.channelUp ? rotate : [];
  if (e.type === "CHANNEL_OPEN") return rotation === "waitingForChannel" ? rotate : [];
  if (isAfter(e, "ackTimeout")) return rotate;
  if (e.type === "PEER_ROTATE" && nextEpoch) return expireOld;
  if (e.type === "ROTATE_ACKED" && rotation === "rotating" && nextEpoch) return expireOld;
  if (isAfter(e, "rotationGrace")) return expireOld;
  return [];
}

function endReasonOf(e: EventObject): EndReason {
  switch (e.type) {
    case "END":
      return field<EndReason | undefined>(e, "reason") ?? "user";
    case "FATAL":
      return "error";
    case "PEER_BYE":
      return "peerEnded";
    case "VERIFY_REJECT":
      return "verificationRejected";
    case "xstate.done.actor.pairing":
      return field<{ reason: EndReason }>(e, "output").reason;
    case "xstate.done.actor.deadMan":
      return "inactivity";
    case "xstate.done.actor.expiry":
      return "expired";
    case "xstate.done.actor.connection":
      return "peerGone";
    default:
      if (e.type.startsWith("xstate.error.actor.")) return "error";
      throw new Error(`no end reason for ${e.type}`);
  }
}

function sessionEffects(prev: AnyMachineSnapshot | undefined, e: EventObject, next: AnyMachineSnapshot): ExpectedEffect[] {
  if (prev === undefined) return [];
  const out: ExpectedEffect[] = [];
  const wasActive = prev.matches("active");
  if (e.type === "VERIFY_CONFIRM" && wasActive && !(prev.context as { verifiedHere: boolean }).verifiedHere) out.push({ name: "announceVerified" });
  if (!prev.matches({ active: "syncing" }) && next.matches({ active: "syncing" })) out.push({ name: "startSync" });
  if (prev.status !== "done" && next.status === "done") {
    const reason = endReasonOf(e);
    expect(next.output).toEqual({ reason });
    const notifyPeer = wasActive && reason !== "peerEnded" && reason !== "peerGone";
    out.push({ name: "wipe", params: { reason, notifyPeer } }, { name: "close" });
  }
  return out;
}

// ---- the fake actors each state must have running ------------------------------------------

function noFakes(_next: AnyMachineSnapshot, world: FakeWorld): void {
  const started = [world.exchange, world.advertise, world.mailbox, world.links].map((f) => f.instances.length);
  same([...started, world.connects.attempts.length], [0, 0, 0, 0, 0], "fake actors started");
}

function pairingRunning(role: string) {
  return (next: AnyMachineSnapshot, world: FakeWorld): void => {
    const working = next.status === "active";
    same(world.exchange.running().map((i) => i.input), working ? [{ role, nameplate: "7" }] : [], "pairingExchange running");
    same(world.advertise.running().map((i) => i.input), working ? [{ role, nameplate: "7" }] : [], "advertise running");
  };
}

function connectionRunning(next: AnyMachineSnapshot, world: FakeWorld): void {
  const ctx = next.context as { attempt: number; channelId: string | null };
  const connecting = next.matches({ live: { link: "connecting" } });
  const open = next.matches({ live: { link: "open" } });
  same(world.connects.running().map((a) => a.input.attempt), connecting ? [ctx.attempt] : [], "connect running");
  same(world.links.running().map((l) => l.input.channelId), open ? [ctx.channelId] : [], "peerLink running");
}

function sessionRunning(role: string) {
  return (next: AnyMachineSnapshot, world: FakeWorld): void => {
    const active = next.matches("active");
    same(world.mailbox.running().length, active ? 1 : 0, "signalMailbox running");
    pairingRunning(role)({ status: next.matches("pairing") ? "active" : "done" } as AnyMachineSnapshot, world);
    const links = world.connects.running().length + world.links.running().length;
    ensure(links <= (active ? 1 : 0), () => `${links} connect/peerLink actors running in ${JSON.stringify(next.value)}`);
  };
}

// ---- the walks -------------------------------------------------------------------------------

const input = { timings: T };

function sessionWalk(name: string, strict: boolean, role: "host" | "join"): WalkConfig {
  const start: SessionEvent = { type: "START", role, nameplate: "7" };
  return {
    name,
    real: (m) => m.session,
    model: sessionMachine,
    input: { timings: ST, strict },
    cases: (type, s) => (type === "START" ? [start] : cases(type, s)),
    drive: driveSession,
    expectEffects: sessionEffects,
    childEffects: new Set(["sendPing", "sendRotate", "expireEpoch"]),
    wireSession: true,
    running: sessionRunning(role),
  };
}

const WALKS: Array<{ machine: AnyStateMachine; configs: WalkConfig[] }> = [
  {
    machine: deadManMachine,
    configs: [{ name: "deadMan", real: (m) => m.deadMan, model: deadManModel, input, cases, drive: driveDeadMan, expectEffects: none, running: noFakes }],
  },
  {
    machine: expiryMachine,
    configs: [{ name: "expiry", real: (m) => m.expiry, model: expiryMachine, input, drive: (e, run) => run.ledger.fire(e.type), expectEffects: none, running: noFakes }],
  },
  {
    machine: pairingMachine,
    configs: [
      {
        name: "pairing",
        real: (m) => m.pairing,
        model: pairingMachine,
        input: { ...input, role: "join", nameplate: "7" },
        cases,
        drive: drivePairing,
        expectEffects: none,
        running: pairingRunning("join"),
      },
    ],
  },
  {
    machine: connectionMachine,
    configs: [
      { name: "connection", real: (m) => m.connection, model: connectionModel, input, cases, drive: driveConnection, expectEffects: connectionEffects, running: connectionRunning },
    ],
  },
  {
    machine: keyRotationMachine,
    configs: [
      {
        name: "keyRotation",
        real: (m) => m.keyRotation,
        model: keyRotationMachine,
        input,
        cases,
        drive: (e, run) => fireTimers(e, run) ?? sendIt(e, run),
        expectEffects: keyRotationEffects,
        running: noFakes,
      },
    ],
  },
  { machine: sessionMachine, configs: [sessionWalk("session", false, "join"), sessionWalk("session (strict)", true, "host")] },
];

/** Per machine (all its walks together): the numbers the closing note quotes. */
const reports: Record<string, { states: number; transitions: number; covered: number; paths: number; steps: number; driven: WalkReport["driven"]; walks: string[] }> = {};

describe("model-based walks", () => {
  for (const { machine, configs } of WALKS) {
    describe(machine.id, () => {
      const coverage = new CoverageRecorder();
      const seen = { invokes: new Set<string>(), effects: new Set<string>() };
      const report = (reports[machine.id] = {
        states: countStates(machine),
        transitions: allTransitions(machine).length,
        covered: 0,
        paths: 0,
        steps: 0,
        driven: { sent: 0, clock: 0, direct: 0 },
        walks: [] as string[],
      });

      for (const config of configs) {
        test(`${config.name}: every generated path holds on the real actor`, async () => {
          const walked = await walk(config, coverage, report.states, report.transitions);
          for (const i of walked.invokes) seen.invokes.add(i);
          for (const e of walked.effects) seen.effects.add(e);
          report.paths += walked.paths;
          report.steps += walked.steps;
          for (const mode of ["sent", "clock", "direct"] as const) report.driven[mode] += walked.driven[mode];
          report.walks.push(`${config.name}: ${walked.paths} paths, ${walked.steps} steps`);
          expect(walked.paths).toBeGreaterThan(0);
          // Timers really ran in clock order, not only by direct firing.
          expect(walked.driven.clock).toBeGreaterThan(0);
        });
      }

      test(`${machine.id}: 100% of the declared transitions were taken by real actors`, () => {
        report.covered = coverage.takenOf(machine);
        expect(coverage.missing(machine)).toEqual([]);
        expect(report.covered).toBe(report.transitions);
      });

      test(`${machine.id}: the catalog names exactly the actors it invoked and the effects it asked for`, () => {
        const entry = CATALOG.find((m) => m.machine === machine)!;
        expect([...seen.invokes].sort()).toEqual([...entry.invokes].sort());
        expect([...seen.effects].sort()).toEqual([...entry.effects].sort());
      });
    });
  }

  afterAll(() => {
    // The closing note quotes these numbers.
    const rows = Object.entries(reports).map(
      ([name, r]) =>
        `${name}: states ${r.states}, transitions ${r.transitions}, covered ${r.covered}/${r.transitions}, paths ${r.paths}, steps ${r.steps}, ` +
        `events sent ${r.driven.sent}, timers in clock order ${r.driven.clock}, timers fired directly ${r.driven.direct}` +
        (r.walks.length > 1 ? ` (${r.walks.join("; ")})` : ""),
    );
    console.info(`model-based coverage:\n  ${rows.join("\n  ")}`);
  });
});
