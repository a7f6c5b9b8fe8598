/**
 * Model-based walking: xstate/graph generates shortest paths over a machine (events enumerated
 * from `getNextTransitions`, so delayed and done transitions are kept), serialised per
 * "state via event from previous state" so that every transition gets a path. Each path is then
 * walked against a real actor on a SimulatedClock, asserting state, context, status and the
 * commands emitted at every step.
 */
import { expect } from "vitest";
import {
  createActor,
  getNextTransitions,
  initialTransition,
  SimulatedClock,
  transition,
  type AnyActorRef,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type EventObject,
  type InspectionEvent,
} from "xstate";
import { getShortestPaths } from "xstate/graph";
import type { SessionCommand } from "../../src/machines/protocol.js";
import { CoverageRecorder, fireTimer, type FireMode } from "./harness.js";

export interface WalkConfig {
  readonly machine: AnyStateMachine;
  readonly input: unknown;
  /** Payload cases for an event type in a snapshot; undefined = `{ type }` as is. */
  readonly cases?: (type: string, snapshot: AnyMachineSnapshot) => EventObject[] | undefined;
  /** Event types the graph must not send from outside (produced by real children instead). */
  readonly internal?: ReadonlySet<string>;
  /** Make a step happen on the real system; return false to `send` the event as is. */
  readonly drive?: (event: EventObject, clock: SimulatedClock) => FireMode | false;
  /** The commands this machine itself must emit for the step (children's are added before them). */
  readonly expectCommands: (prev: AnyMachineSnapshot | undefined, event: EventObject, next: AnyMachineSnapshot) => SessionCommand[];
}

export interface WalkReport {
  readonly paths: number;
  readonly steps: number;
  readonly fired: Record<FireMode, number>;
  /** Command types the machine emitted during the walk. */
  readonly commands: Set<string>;
}

/** Context for graph identity: counters capped (they grow without bound), timings left out. */
function abstractContext(context: unknown): string {
  return JSON.stringify(context, (k, v: unknown) =>
    k === "timings" ? undefined : typeof v === "number" ? Math.min(v, 1) : v,
  );
}

export function graphPaths(config: WalkConfig) {
  const { machine } = config;
  // A finished actor takes no events (the pure transition would still compute one).
  const events = (s: AnyMachineSnapshot): EventObject[] =>
    s.status !== "active" ? [] : [...new Set(getNextTransitions(s).map((t) => t.eventType))]
      .filter((t) => t !== "" && t !== "*" && !(config.internal?.has(t) ?? false))
      .flatMap((type) => config.cases?.(type, s) ?? [{ type }]);
  const serializeState = (s: AnyMachineSnapshot, e: EventObject | undefined, prev?: AnyMachineSnapshot): string =>
    `${JSON.stringify(s.value)}|${s.status}|${abstractContext(s.context)}|via ${e?.type ?? "-"}|from ${
      prev ? JSON.stringify(prev.value) : "-"
    }`;
  return getShortestPaths(machine, {
    events: events as never,
    serializeState: serializeState as never,
    input: config.input as never,
  });
}

function delayOf(machine: AnyStateMachine, type: string, prev: AnyMachineSnapshot): number {
  const name = type.split(".")[2]!;
  const delay = (machine.implementations.delays as Record<string, unknown>)[name];
  if (typeof delay === "function") return (delay as (a: unknown) => number)({ context: prev.context, event: { type } });
  if (typeof delay === "number") return delay;
  const literal = Number(name);
  if (Number.isFinite(literal)) return literal;
  throw new Error(`unknown delay ${name}`);
}

export function walk(config: WalkConfig, coverage: CoverageRecorder): WalkReport {
  const paths = graphPaths(config);
  const report = { paths: paths.length, steps: 0, fired: { clock: 0, direct: 0 }, commands: new Set<string>() };
  for (const path of paths) {
    const clock = new SimulatedClock();
    const childEmitted: SessionCommand[] = [];
    const inspect = (ev: InspectionEvent): void => {
      coverage.inspect(ev);
      // Children announce themselves before they start, so their entry commands are seen too.
      if (ev.type === "@xstate.actor" && (ev.actorRef as AnyActorRef)._parent !== undefined) {
        (ev.actorRef as AnyActorRef).on("*", (c: SessionCommand) => childEmitted.push(c));
      }
    };
    const actor = createActor(config.machine, { clock, input: config.input, inspect });
    const emitted: SessionCommand[] = [];
    actor.on("*", (c: SessionCommand) => {
      emitted.push(c);
      report.commands.add(c.type);
    });
    const description = path.steps.map((s) => s.event.type).join(" > ");
    let prev: AnyMachineSnapshot | undefined;
    path.steps.forEach((step, index) => {
      const before = emitted.length;
      const childBefore = childEmitted.length;
      const event = step.event as EventObject;
      if (index === 0) {
        actor.start();
      } else if (event.type.startsWith("xstate.after.")) {
        report.fired[fireTimer(clock, delayOf(config.machine, event.type, prev!))] += 1;
      } else {
        const driven = config.drive?.(event, clock) ?? false;
        if (driven === false) actor.send(event);
        else report.fired[driven] += 1;
      }
      // The graph's nodes are abstract (capped counters), so the concrete expectation is the pure
      // transition function applied to this path's events.
      const expected =
        prev === undefined
          ? (initialTransition(config.machine, config.input as never)[0] as AnyMachineSnapshot)
          : (transition(config.machine, prev as never, event as never)[0] as AnyMachineSnapshot);
      expect(expected.value).toEqual((step.state as AnyMachineSnapshot).value);
      const real = actor.getSnapshot() as AnyMachineSnapshot;
      const where = `${description} @ step ${index} (${event.type})`;
      expect(real.value, where).toEqual(expected.value);
      expect(real.context, where).toEqual(expected.context);
      expect(real.status, where).toEqual(expected.status);
      const commands = [...childEmitted.slice(childBefore), ...config.expectCommands(prev, event, expected)];
      expect(emitted.slice(before), where).toEqual(commands);
      prev = expected;
      report.steps += 1;
    });
    actor.stop();
  }
  return report;
}
