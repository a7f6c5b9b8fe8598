/**
 * Property suites for the five child machines, each standalone (as the issue requires them to
 * run): random events — the whole runtime vocabulary, so most are foreign to the machine — with
 * random advances and random timings, >= 1,000 sequences per machine, invariants after each step.
 */
import { fc, test } from "@fast-check/vitest";
import { beforeAll, describe, vi } from "vitest";
import { createActor, SimulatedClock, type AnyActorRef, type AnyStateMachine } from "xstate";
import {
  connectionMachine,
  deadManMachine,
  expiryMachine,
  keyRotationMachine,
  pairingMachine,
  pairingFailureOf,
} from "../../src/machines/index.js";
import type { SessionCommand, SessionEvent, Timings } from "../../src/machines/protocol.js";
import { eventArb, rotationEventArb, stepsArb, timingsArb, type Step } from "./arbitraries.js";
import { advance, assertNoSecrets, ensure, observable, recordCommands, same } from "./harness.js";

const RUNS = 1_000;

beforeAll(() => {
  vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => {
    if (!String(args[0]).includes("was sent to stopped actor")) throw new Error(`unexpected warning: ${String(args[0])}`);
  });
});

interface Run {
  readonly actor: AnyActorRef;
  readonly clock: SimulatedClock;
  readonly cmds: Array<SessionCommand & { at: number }>;
  /** Clock time at which the actor reached its final state, if it did. */
  doneAt: number | null;
}

/**
 * Runs `steps` against a fresh actor. `before(event, run)` sees each event before it is sent
 * (to update the test's model); `check(run, where)` runs after every step.
 */
function runMachine(
  machine: AnyStateMachine,
  input: unknown,
  steps: readonly Step[],
  before: (event: SessionEvent, run: Run) => void,
  check: (run: Run, where: string) => void,
): void {
  const clock = new SimulatedClock();
  const actor = createActor(machine, { clock, input });
  const cmds = recordCommands(actor, clock);
  const run: Run = { actor, clock, cmds, doneAt: null };
  actor.subscribe({
    next: (s: { status: string }) => {
      if (s.status === "done" && run.doneAt === null) run.doneAt = clock.now();
    },
    error: () => undefined,
  });
  actor.start();
  check(run, "start");
  steps.forEach((step, i) => {
    const wasDone = actor.getSnapshot().status === "done";
    const count = cmds.length;
    if (step.kind === "advance") advance(clock, step.ms);
    else {
      if (!wasDone) before(step.event, run);
      actor.send(step.event);
    }
    const where = `step ${i} ${step.kind === "event" ? step.event.type : `+${step.ms}ms`}`;
    assertNoSecrets(observable(actor), where);
    if (wasDone) same(cmds.length, count, where);
    check(run, where);
  });
  actor.stop();
}

const props = (t: Timings) => ({ timings: t });

describe("deadMan properties", () => {
  test.prop([timingsArb, stepsArb(eventArb)], { numRuns: RUNS })(
    "trips iff inactivityMs passed without ACTIVITY, exactly then; PING/PEER_MESSAGE_OK do not re-arm",
    (timings, steps) => {
      let lastActivity = 0;
      runMachine(deadManMachine, props(timings), steps, (e, run) => {
        if (e.type === "ACTIVITY") lastActivity = run.clock.now();
      }, (run, where) => {
        const tripped = run.actor.getSnapshot().status === "done";
        same(tripped, run.clock.now() - lastActivity >= timings.inactivityMs, where);
        if (tripped) same(run.doneAt, lastActivity + timings.inactivityMs, where);
        same(run.cmds, [], where);
      });
    },
  );
});

describe("expiry properties", () => {
  test.prop([timingsArb, stepsArb(eventArb)], { numRuns: RUNS })(
    "expires exactly maxSessionMs after start and nothing extends it",
    (timings, steps) => {
      runMachine(expiryMachine, props(timings), steps, () => undefined, (run, where) => {
        const expired = run.actor.getSnapshot().status === "done";
        same(expired, run.clock.now() >= timings.maxSessionMs, where);
        if (expired) same(run.doneAt, timings.maxSessionMs, where);
      });
    },
  );
});

describe("pairing properties", () => {
  const STAGES = ["waitingForCode", "awaitingPeer", "exchanging", "confirming"];
  test.prop([timingsArb, stepsArb(eventArb)], { numRuns: RUNS })(
    "stages only move forward; ends on PAKE_OK / PAKE_FAILED (mapped) or exactly at pairingTimeoutMs",
    (timings, steps) => {
      let expected: { result: string; reason?: string; at: number } | null = null;
      let stage = 0;
      runMachine(pairingMachine, props(timings), steps, (e, run) => {
        const now = run.clock.now();
        if (expected === null && now < timings.pairingTimeoutMs) {
          if (e.type === "PAKE_OK") expected = { result: "paired", at: now };
          if (e.type === "PAKE_FAILED") expected = { result: "failed", reason: pairingFailureOf(e.reason), at: now };
        }
      }, (run, where) => {
        const s = run.actor.getSnapshot() as { status: string; value: unknown; output?: unknown };
        const now = run.clock.now();
        if (expected === null && now >= timings.pairingTimeoutMs) {
          expected = { result: "failed", reason: "pairingTimeout", at: timings.pairingTimeoutMs };
        }
        if (expected === null) {
          same(s.status, "active", where);
          const current = STAGES.indexOf((s.value as { working: string }).working);
          ensure(current >= stage, () => `${where}: ${String(current)} < ${String(stage)}`);
          stage = current;
        } else {
          const { at, ...output } = expected;
          same(s.status, "done", where);
          same(s.output, output, where);
          same(run.doneAt, at, where);
        }
      });
    },
  );
});

describe("connection properties", () => {
  test.prop([timingsArb, stepsArb(eventArb)], { numRuns: RUNS })(
    "CONNECT attempts count 1, 2, 3…; pings only when open; gone iff peerGoneMs without liveness, exactly then",
    (timings, steps) => {
      let lastOk = 0;
      runMachine(connectionMachine, props(timings), steps, (e, run) => {
        if (e.type === "PEER_MESSAGE_OK") lastOk = run.clock.now();
      }, (run, where) => {
        const s = run.actor.getSnapshot() as { status: string; value: { live?: { link: string } } };
        const gone = s.status === "done";
        same(gone, run.clock.now() - lastOk >= timings.peerGoneMs, where);
        if (gone) same(run.doneAt, lastOk + timings.peerGoneMs, where);
        const attempts = run.cmds.flatMap((c) => (c.type === "CONNECT" ? [c.attempt] : []));
        same(attempts, attempts.map((_, i) => i + 1), where);
        ensure(attempts.length >= 1, () => `${where}: ${String(attempts.length)} < ${String(1)}`);
        for (const c of run.cmds) if (run.doneAt !== null) ensure(c.at <= run.doneAt, () => `${where}: ${String(c.at)} > ${String(run.doneAt)}`);
        // While the link is open, nothing asks for a new connection.
        if (!gone && s.value.live?.link === "open") ensure(run.cmds.at(-1)?.type !== "CONNECT", () => `${where}: unexpected ${String("CONNECT")}`);
      });
    },
  );
});

describe("keyRotation properties", () => {
  test.prop([timingsArb, fc.boolean(), stepsArb(rotationEventArb, 25)], { numRuns: RUNS })(
    "epochs +1; SEND_ROTATE asks current+1 only with the channel up; EXPIRE_EPOCH 0,1,2… within the grace window; no overdue rotation",
    (timings, channelUp, steps) => {
      let up = channelUp;
      let lastEpoch = 0;
      const epochStart: number[] = [0];
      let seen = 0;
      runMachine(keyRotationMachine, { timings, channelUp }, steps, (e) => {
        if (e.type === "CHANNEL_OPEN") up = true;
        if (e.type === "CHANNEL_CLOSED") up = false;
      }, (run, where) => {
        const s = run.actor.getSnapshot() as {
          value: { rotation: string; grace: string };
          context: { epoch: number; graceEpoch: number | null; channelUp: boolean };
        };
        const now = run.clock.now();
        const { epoch } = s.context;
        ensure(epoch === lastEpoch || epoch === lastEpoch + 1, () => `${where}: epoch ${lastEpoch} -> ${epoch}`);
        if (epoch === lastEpoch + 1) epochStart.push(now);
        lastEpoch = epoch;
        same(s.context.channelUp, up, where);
        // New commands since the last check.
        for (const c of run.cmds.slice(seen)) {
          if (c.type === "SEND_ROTATE") {
            same(c.epoch, epoch + 1, where);
            ensure(up, () => `${where}: SEND_ROTATE with the channel down`);
          }
        }
        seen = run.cmds.length;
        const expired = run.cmds.flatMap((c) => (c.type === "EXPIRE_EPOCH" ? [c] : []));
        expired.forEach((c, i) => {
          same(c.epoch, i, where);
          ensure(c.epoch < epoch, () => `${where}: ${String(c.epoch)} >= ${String(epoch)}`);
          // Expired no later than the grace window after the next epoch began.
          ensure(c.at - epochStart[c.epoch + 1]! <= timings.rotationGraceMs, () => `${where}: ${String(c.at - epochStart[c.epoch + 1]!)} > ${String(timings.rotationGraceMs)}`);
        });
        // At most one old epoch alive, and not past its window.
        if (s.context.graceEpoch !== null) {
          same(s.context.graceEpoch, epoch - 1, where);
          ensure(now - epochStart[epoch]! < timings.rotationGraceMs, () => `${where}: ${String(now - epochStart[epoch]!)} >= ${String(timings.rotationGraceMs)}`);
        } else {
          same(expired.length, epoch, where);
        }
        // A due rotation never sits in `keyed`.
        if (s.value.rotation === "keyed") ensure(now - epochStart[epoch]! < timings.rotationMs, () => `${where}: ${String(now - epochStart[epoch]!)} >= ${String(timings.rotationMs)}`);
        if (s.value.rotation === "waitingForChannel") same(up, false, where);
      });
    },
  );
});
