/**
 * Property suites for the five child machines, each on its own (no parent) as `provideSession`
 * builds it over a fake world: random steps of the whole world (so many are foreign to the
 * machine) with random advances and random timings, invariants after each step.
 */
import { fc, test } from "@fast-check/vitest";
import { afterAll, beforeAll, describe, expect, vi } from "vitest";
import { createActor, type AnyActorRef, type AnyStateMachine } from "xstate";
import { pairingFailureOf, reconnectDelay } from "../../src/machines/index.js";
import type { PairingExchangeEvent, Timings } from "../../src/machines/protocol.js";
import { TestClock } from "../../src/testing/test-clock.js";
import { activityStepArb, connectionStepArb, pairingStepArb, rotationStepArb, stepsArb, timingsArb, worldStepArb, type Step } from "./arbitraries.js";
import { assertNoSecrets, ensure, observable, Reached, same } from "./harness.js";
import { describeStep, playStep } from "./steps.js";
import { Stage, type FakeWorld } from "./world.js";

const RUNS = 500;

beforeAll(() => {
  vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => {
    if (!String(args[0]).includes("was sent to stopped actor")) throw new Error(`unexpected warning: ${String(args[0])}`);
  });
});

const stage = new Stage();
const { machines } = stage;
const reached = new Reached();
const CASES = [
  "deadMan: tripped at the first period", "deadMan: tripped after re-arming",
  "pairing: paired", "pairing: wrongCode", "pairing: peerGone", "pairing: pairingTimeout", "pairing: skipped a stage",
  "connection: attempt timed out", "connection: attempt failed", "connection: reconnected after a link closed", "connection: gone", "connection: gone after a frame",
  "connection: link lost", "connection: link given up as stale",
  "keyRotation: retried", "keyRotation: waited for the channel", "keyRotation: collision", "keyRotation: grace cut short",
];

interface Run {
  readonly actor: AnyActorRef;
  readonly clock: TestClock;
  readonly world: FakeWorld;
  /** Clock time at which the actor reached its final state, if it did. */
  doneAt: number | null;
  /** True on the step that finished it. */
  endedNow: boolean;
}

/**
 * Plays `steps` against a fresh actor of `machine`; `check(run, where)` runs after every step.
 * After the end nothing may change; the end stops every fake actor and cancels every timer.
 */
async function runMachine(machine: AnyStateMachine, input: unknown, steps: readonly Step[], check: (run: Run, where: string) => void): Promise<Run> {
  const clock = new TestClock();
  const world = stage.fresh(clock);
  const actor = createActor(machine, { clock, input });
  const run: Run = { actor, clock, world, doneAt: null, endedNow: false };
  actor.subscribe({
    next: (s: { status: string }) => {
      if (s.status === "done" && run.doneAt === null) run.doneAt = clock.now();
    },
    error: () => undefined,
  });
  const epoch = () => (actor.getSnapshot() as { context: { epoch?: number } }).context.epoch ?? null;
  actor.start();
  check(run, "start");
  for (const [i, step] of steps.entries()) {
    const wasDone = actor.getSnapshot().status === "done";
    const effects = world.effects.length;
    const frozen = wasDone ? JSON.stringify(observable(actor)) : "";
    await playStep(step, { clock, world, actor, epoch });
    const where = `step ${i} ${describeStep(step)}`;
    assertNoSecrets(observable(actor), where);
    run.endedNow = !wasDone && run.doneAt !== null;
    if (wasDone) {
      same(world.effects.length, effects, `${where}: effects after the end`);
      ensure(JSON.stringify(observable(actor)) === frozen, () => `${where}: state changed after the end`);
    }
    if (run.endedNow) {
      const running = [world.exchange, world.advertise, world.mailbox, world.links].map((f) => f.running().length);
      same([...running, world.connects.running().length, clock.pending], [0, 0, 0, 0, 0, 0], `${where}: left running after the end`);
    }
    check(run, where);
  }
  actor.stop();
  return run;
}

const props = (timings: Timings) => ({ timings });

describe("deadMan properties", () => {
  test.prop([timingsArb, stepsArb(activityStepArb, 25, 5)], { numRuns: RUNS })(
    "trips iff inactivityMs passed since the last activity stamp, exactly then; re-arms for the remainder otherwise",
    async (timings, steps) => {
      await runMachine(machines.deadMan, props(timings), steps, (run, where) => {
        const { world, clock } = run;
        if (run.doneAt === null) ensure(clock.now() - world.activityAt < timings.inactivityMs, () => `${where}: alive ${clock.now() - world.activityAt} ms after the last activity`);
        if (run.endedNow) {
          same(run.doneAt, world.activityAt + timings.inactivityMs, `${where}: tripped`);
          reached.hit(world.activityAt === 0 ? "deadMan: tripped at the first period" : "deadMan: tripped after re-arming");
        }
        same(world.effects, [], where);
      });
    },
  );
});

describe("expiry properties", () => {
  test.prop([timingsArb, stepsArb(worldStepArb, 25)], { numRuns: RUNS })("expires exactly maxSessionMs after start and nothing extends it", async (timings, steps) => {
    await runMachine(machines.expiry, props(timings), steps, (run, where) => {
      same(run.doneAt !== null, run.clock.now() >= timings.maxSessionMs, `${where}: expired`);
      if (run.doneAt !== null) same(run.doneAt, timings.maxSessionMs, `${where}: expired at`);
    });
  });
});

describe("pairing properties", () => {
  const STAGES = ["awaitingPeer", "exchanging", "confirming"];
  test.prop([timingsArb, fc.constantFrom<"host" | "join">("host", "join"), stepsArb(pairingStepArb, 20)], { numRuns: RUNS })(
    "stages only move forward; ends on PAKE_OK / PAKE_FAILED (mapped) or exactly at pairingTimeoutMs; the exchange and advertisement run exactly while pairing",
    async (timings, role, steps) => {
      let expected: { result: string; reason?: string; at: number } | null = null;
      let stage = 0;
      let reported = 0;
      await runMachine(machines.pairing, { timings, role, nameplate: "42" }, steps, (run, where) => {
        const s = run.actor.getSnapshot() as { status: string; value: unknown; output?: unknown };
        // What the exchange reported, in order: the first PAKE_OK / PAKE_FAILED before the timeout decides.
        const reports = run.world.exchange.instances[0]?.sent ?? [];
        for (; reported < reports.length; reported += 1) {
          const { event, at } = reports[reported]!;
          const e = event as PairingExchangeEvent;
          if (expected !== null || at >= timings.pairingTimeoutMs) continue;
          if (e.type === "PAKE_OK") expected = { result: "paired", at };
          if (e.type === "PAKE_FAILED") expected = { result: "failed", reason: pairingFailureOf(e.reason), at };
        }
        if (expected === null && run.clock.now() >= timings.pairingTimeoutMs) expected = { result: "failed", reason: "pairingTimeout", at: timings.pairingTimeoutMs };
        const running = [run.world.exchange, run.world.advertise].map((f) => f.running().map((i) => i.input));
        if (expected === null) {
          same(s.status, "active", where);
          const current = STAGES.indexOf((s.value as { working: string }).working);
          ensure(current >= stage, () => `${where}: stage ${String(current)} after ${String(stage)}`);
          reached.hit("pairing: skipped a stage", current - stage > 1);
          stage = current;
          same(running, [[{ role, nameplate: "42" }], [{ role, nameplate: "42" }]], `${where}: exchange and advertise running`);
        } else {
          const { at, ...output } = expected;
          same(s.status, "done", where);
          same(s.output, output, where);
          same(run.doneAt, at, where);
          same(running, [[], []], `${where}: exchange and advertise stopped`);
          if (run.endedNow) reached.hit(`pairing: ${output.reason ?? output.result}`);
        }
        same([run.world.exchange.instances.length, run.world.advertise.instances.length], [1, 1], `${where}: one exchange, one advertisement`);
      });
    },
  );
});

describe("connection properties", () => {
  test.prop([timingsArb, stepsArb(connectionStepArb, 40, 10)], { numRuns: RUNS })(
    "attempts 1, 2, 3… each bounded by connectTimeoutMs, reconnects after exactly the backoff, one link at a time with pings every pingIntervalMs, a silent link given up exactly linkStaleMs after its last frame, gone exactly peerGoneMs after the last frame",
    async (timings, steps) => {
      const { world, doneAt } = await runMachine(machines.connection, props(timings), steps, (run, where) => {
        const { world, clock } = run;
        const now = clock.now();
        const s = run.actor.getSnapshot() as { status: string; value: { live?: { link: unknown } } };
        const done = run.doneAt !== null;
        const link = done ? null : s.value.live!.link;
        const attempts = world.connects.attempts;
        const links = world.links.instances;
        same(attempts.map((a) => a.input.attempt), attempts.map((_, i) => i + 1), `${where}: attempt numbers`);
        same(world.connects.running().length, link === "connecting" ? 1 : 0, `${where}: pending attempts in ${JSON.stringify(link)}`);
        same(world.links.running().length, typeof link === "object" && link !== null ? 1 : 0, `${where}: links in ${JSON.stringify(link)}`);
        // Each resolved attempt opened the next link, on its channel, at once.
        const opened = attempts.filter((a) => a.state === "resolved");
        same(links.map((l) => [l.input.channelId, l.startedAt]), opened.map((a) => [`ch-${a.input.attempt}`, a.endedAt]), `${where}: links`);
        // The timeline: every failure (rejected, timed out, or a link that closed) is followed by the next attempt after exactly the backoff.
        let failures = 0;
        let failedAt: number | null = null;
        let linkIndex = 0;
        for (const [i, a] of attempts.entries()) {
          if (i > 0) same(a.startedAt, failedAt! + reconnectDelay(timings, failures), `${where}: attempt ${a.input.attempt} after ${failures} failures`);
          failedAt = null;
          if (a.state === "pending") {
            ensure(now - a.startedAt < timings.connectTimeoutMs, () => `${where}: attempt ${a.input.attempt} pending past the connect timeout`);
          } else if (a.state === "aborted") {
            ensure(a.endedAt === a.startedAt + timings.connectTimeoutMs || a.endedAt === run.doneAt, () => `${where}: attempt ${a.input.attempt} aborted at ${String(a.endedAt)}`);
            failures += 1;
            failedAt = a.endedAt;
          } else if (a.state === "rejected") {
            failures += 1;
            failedAt = a.endedAt;
          } else {
            const l = links[linkIndex++]!;
            failures = 1;
            failedAt = l.stoppedAt;
            checkPings(world, l, timings.pingIntervalMs, now, where);
          }
        }
        if (link === "reconnecting") ensure(now < failedAt! + reconnectDelay(timings, failures), () => `${where}: reconnect overdue`);
        // A link ends closed or lost (the world says so), at the end, or stale: exactly linkStaleMs after its last frame (or its opening).
        for (const l of links) {
          const end = l.stoppedAt ?? now;
          const lastFrame = Math.max(l.startedAt, ...world.peerFrames.filter((t) => t >= l.startedAt && t <= end));
          if (l.stoppedAt === null) ensure(now - lastFrame < timings.linkStaleMs, () => `${where}: ${l.input.channelId} silent past linkStaleMs`);
          else if (!world.linkEnds.has(l) && l.stoppedAt !== run.doneAt) same(l.stoppedAt, lastFrame + timings.linkStaleMs, `${where}: ${l.input.channelId} given up as stale`);
        }
        // Pings only on a link.
        const onLinks = links.reduce((n, l) => n + pingsOn(world, l, now).length, 0);
        same(onLinks, world.callsOf("sendPing").length, `${where}: pings outside a link`);
        // Peer liveness.
        if (!done) ensure(now - world.peerFrameAt < timings.peerGoneMs, () => `${where}: alive ${now - world.peerFrameAt} ms after the last frame`);
        if (run.endedNow) {
          same(run.doneAt, world.peerFrameAt + timings.peerGoneMs, `${where}: gone at`);
          reached.hit("connection: gone");
          reached.hit("connection: gone after a frame", world.peerFrameAt > 0);
        }
        same(world.effects.filter((e) => e.name !== "sendPing"), [], `${where}: effects`);
      });
      const attempts = world.connects.attempts;
      reached.hit("connection: attempt timed out", attempts.some((a) => a.state === "aborted" && a.endedAt !== doneAt));
      reached.hit("connection: attempt failed", attempts.some((a) => a.state === "rejected"));
      reached.hit("connection: reconnected after a link closed", world.links.instances.length > 1);
      reached.hit("connection: link lost", [...world.linkEnds.values()].includes("lost"));
      reached.hit("connection: link given up as stale", world.links.instances.some((l) => l.stoppedAt !== null && !world.linkEnds.has(l) && l.stoppedAt !== doneAt));
    },
  );
});

type LinkInstance = FakeWorld["links"]["instances"][number];

function pingsOn(world: FakeWorld, link: LinkInstance, now: number): number[] {
  const end = link.stoppedAt ?? now;
  return world.callsOf("sendPing").map((p) => p.at).filter((at) => at >= link.startedAt && at <= end);
}

/** Pings at the link's start and every interval after, none missing up to its end (one due at the very end may or may not come first). */
function checkPings(world: FakeWorld, link: LinkInstance, interval: number, now: number, where: string): void {
  const end = link.stoppedAt ?? now;
  const pings = pingsOn(world, link, now);
  same(pings, pings.map((_, k) => link.startedAt + k * interval), `${where}: ping times on ${link.input.channelId}`);
  const most = Math.floor((end - link.startedAt) / interval) + 1;
  const least = link.stoppedAt === null || end === link.startedAt ? most : Math.floor((end - link.startedAt - 1) / interval) + 1;
  ensure(pings.length >= least && pings.length <= most, () => `${where}: ${pings.length} pings on ${link.input.channelId} over ${end - link.startedAt} ms`);
}

describe("keyRotation properties", () => {
  test.prop([timingsArb, fc.boolean(), stepsArb(rotationStepArb, 30)], { numRuns: RUNS })(
    "epochs +1; sendRotate asks current+1 only with the channel up, retried every ack timeout; expireEpoch 0,1,2… within the grace window; no overdue rotation",
    async (timings, channelUp, steps) => {
      let up = channelUp;
      let lastEpoch = 0;
      const epochStart: number[] = [0];
      let seen = 0;
      let lastRotate: number | null = null;
      const tracked = steps.map((step) => {
        if (step.kind === "send" && step.event.type === "CHANNEL_OPEN") return { step, up: true };
        if (step.kind === "send" && step.event.type === "CHANNEL_CLOSED") return { step, up: false };
        return { step, up: null };
      });
      let stepIndex = -1;
      await runMachine(machines.keyRotation, { timings, channelUp }, steps, (run, where) => {
        const change = stepIndex >= 0 ? tracked[stepIndex]!.up : null;
        stepIndex += 1;
        if (change !== null) up = change;
        const s = run.actor.getSnapshot() as {
          value: { rotation: string; grace: string };
          context: { epoch: number; graceEpoch: number | null; channelUp: boolean };
        };
        const now = run.clock.now();
        const { epoch } = s.context;
        ensure(epoch === lastEpoch || epoch === lastEpoch + 1, () => `${where}: epoch ${lastEpoch} -> ${epoch}`);
        if (epoch === lastEpoch + 1) {
          epochStart.push(now);
          lastRotate = null;
          const step = steps[stepIndex - 1];
          reached.hit("keyRotation: collision", step?.kind === "peerRotate" && run.world.callsOf("sendRotate").at(-1)?.params !== undefined && (run.world.callsOf("sendRotate").at(-1)!.params as { epoch: number }).epoch === epoch);
        }
        lastEpoch = epoch;
        same(s.context.channelUp, up, `${where}: channel up`);
        for (const c of run.world.effects.slice(seen)) {
          if (c.name !== "sendRotate") continue;
          same(c.params, { epoch: epoch + 1 }, `${where}: sendRotate`);
          ensure(up, () => `${where}: sendRotate with the channel down`);
          // A retry comes exactly one ack timeout after the last try.
          if (lastRotate !== null) same(c.at - lastRotate, timings.rotationAckTimeoutMs, `${where}: retry interval`);
          reached.hit("keyRotation: retried", lastRotate !== null);
          lastRotate = c.at;
        }
        seen = run.world.effects.length;
        const expired = run.world.callsOf("expireEpoch");
        expired.forEach((c, i) => {
          const e = (c.params as { epoch: number }).epoch;
          same(e, i, `${where}: expired epochs`);
          ensure(e < epoch, () => `${where}: expired ${e} at epoch ${epoch}`);
          ensure(c.at - epochStart[e + 1]! <= timings.rotationGraceMs, () => `${where}: epoch ${e} expired ${c.at - epochStart[e + 1]!} ms after the next began`);
          if (i === expired.length - 1 && epochStart[e + 2] === c.at) reached.hit("keyRotation: grace cut short");
        });
        // At most one old epoch alive, and not past its window.
        if (s.context.graceEpoch !== null) {
          same(s.context.graceEpoch, epoch - 1, `${where}: grace epoch`);
          ensure(now - epochStart[epoch]! < timings.rotationGraceMs, () => `${where}: grace overdue`);
        } else {
          same(expired.length, epoch, `${where}: all old epochs expired`);
        }
        // A due rotation never sits in keyed; a pending one is retried on time.
        if (s.value.rotation === "keyed") ensure(now - epochStart[epoch]! < timings.rotationMs, () => `${where}: rotation overdue`);
        if (s.value.rotation === "rotating") ensure(lastRotate !== null && now - lastRotate < timings.rotationAckTimeoutMs, () => `${where}: retry overdue`);
        if (s.value.rotation === "waitingForChannel") same(up, false, `${where}: waiting with the channel up`);
        reached.hit("keyRotation: waited for the channel", s.value.rotation === "waitingForChannel");
        // The next sendRotate outside `rotating` starts a new round of tries.
        if (s.value.rotation !== "rotating") lastRotate = null;
        same(run.world.effects.filter((e) => e.name !== "sendRotate" && e.name !== "expireEpoch"), [], `${where}: effects`);
      });
    },
  );
});

describe("the random runs", () => {
  afterAll(() => console.info(`children runs reached: ${reached.toString()}`));
  test("reached every case", () => {
    expect(reached.missing(CASES)).toEqual([]);
  });
});
