/**
 * Model-based walking: xstate/graph generates shortest paths over a machine (events enumerated
 * from `getNextTransitions`, so delayed transitions and the done/error transitions of invoked
 * actors are kept), serialised per "state via event from previous state" so that every
 * transition gets a path. Each path is then walked on a real actor of the machine as
 * `provideSession` builds it over a fake world (world.ts), on a TimerLedger clock: the world
 * makes each step happen (a fake actor's sendBack / resolve / reject, a timer, a liveness stamp),
 * and after every step the walk asserts state, context, status, tags, output, the effects asked
 * for and the fake actors alive.
 */
import {
  createActor,
  getNextTransitions,
  initialTransition,
  transition,
  type AnyActorRef,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type EventObject,
  type InspectionEvent,
} from "xstate";
import { getShortestPaths } from "xstate/graph";
import type { EffectName } from "../../src/machines/catalog.js";
import { ensure, same, type CoverageRecorder } from "./harness.js";
import { TimerLedger, type FireMode } from "./timers.js";
import { Stage, type FakeWorld, type ProvidedMachines } from "./world.js";

export type Driven = "sent" | FireMode;

export interface ExpectedEffect {
  readonly name: EffectName;
  readonly params?: unknown;
}

/** One path being walked. */
export interface WalkRun {
  readonly world: FakeWorld;
  readonly ledger: TimerLedger;
  readonly actor: AnyActorRef;
  /** The expected snapshot before this step. */
  readonly prev: AnyMachineSnapshot;
  /** Times a drive wants to remember along the path (e.g. when pairing succeeded). */
  readonly notes: Record<string, number>;
}

export interface WalkConfig {
  readonly name: string;
  /** The machine the real actor runs: as `provideSession` builds it over the world. */
  readonly real: (machines: ProvidedMachines) => AnyStateMachine;
  /**
   * The machine the graph explores and the expectations come from: the same definition, with
   * the liveness guards answering from the event case (`idle` / `silent`) instead of the world.
   */
  readonly model: AnyStateMachine;
  readonly input: unknown;
  /** Payload cases for an event type in a snapshot; undefined = `{ type }` as is. */
  readonly cases?: (type: string, snapshot: AnyMachineSnapshot) => EventObject[] | undefined;
  /** Make the step's event happen in the world (or send it, for events the runtime sends). */
  readonly drive: (event: EventObject, run: WalkRun) => Driven | Promise<Driven>;
  /** The effects this machine itself must ask for in the step, in order. */
  readonly expectEffects: (prev: AnyMachineSnapshot | undefined, event: EventObject, next: AnyMachineSnapshot) => ExpectedEffect[];
  /** Effects child machines may ask for during a step (the session's walk). */
  readonly childEffects?: ReadonlySet<EffectName>;
  /** Wire the world to the actor as the runtime wires it to the session (links report CHANNEL_OPEN / CHANNEL_CLOSED). */
  readonly wireSession?: boolean;
  /** Asserts which fake actors run after the step (stopping an actor is its cleanup). */
  readonly running: (next: AnyMachineSnapshot, world: FakeWorld) => void;
}

export interface WalkReport {
  readonly states: number;
  readonly transitions: number;
  paths: number;
  steps: number;
  readonly driven: Record<Driven, number>;
  /** Actors the walked machine itself invoked, and effects it asked for (catalog check). */
  readonly invokes: Set<string>;
  readonly effects: Set<string>;
}

/** Context for graph identity: counters capped (they grow without bound), timings left out. */
function abstractContext(context: unknown): string {
  return JSON.stringify(context, (k, v: unknown) => (k === "timings" ? undefined : typeof v === "number" ? Math.min(v, 1) : v));
}

function graphPaths(config: Pick<WalkConfig, "model" | "input" | "cases">) {
  // A finished actor takes no events (the pure transition would still compute one).
  const events = (s: AnyMachineSnapshot): EventObject[] =>
    s.status !== "active"
      ? []
      : [...new Set(getNextTransitions(s).map((t) => t.eventType))]
          .filter((t) => t !== "" && t !== "*")
          .flatMap((type) => config.cases?.(type, s) ?? [{ type }]);
  const serializeState = (s: AnyMachineSnapshot, e: EventObject | undefined, prev?: AnyMachineSnapshot): string =>
    `${JSON.stringify(s.value)}|${s.status}|${abstractContext(s.context)}|via ${e?.type ?? "-"}|from ${prev ? `${JSON.stringify(prev.value)}|${abstractContext(prev.context)}` : "-"}`;
  return getShortestPaths(config.model, { events: events as never, serializeState: serializeState as never, input: config.input as never });
}

const isMachineSnapshot = (s: unknown): s is AnyMachineSnapshot => typeof s === "object" && s !== null && "machine" in s;

interface EffectAction {
  readonly actor: AnyActorRef;
  readonly name: EffectName;
  readonly params: unknown;
}

/** What the walk compares between the real actor and the model. */
const observed = (s: AnyMachineSnapshot) => ({ value: s.value, context: s.context, status: s.status, tags: [...s.tags].sort(), output: s.output });

const asEffect = ({ name, params }: { name: EffectName; params?: unknown }): ExpectedEffect => (params === undefined ? { name } : { name, params });

export async function walk(config: WalkConfig, coverage: CoverageRecorder, states: number, transitions: number): Promise<WalkReport> {
  const paths = graphPaths(config);
  const report: WalkReport = {
    states,
    transitions,
    paths: paths.length,
    steps: 0,
    driven: { sent: 0, clock: 0, direct: 0 },
    invokes: new Set(),
    effects: new Set(),
  };
  // Paths share prefixes: the expected snapshot after a given sequence of events is computed once.
  const expectations = new Map<string, AnyMachineSnapshot>();
  const stage = new Stage();
  const machine = config.real(stage.machines);
  const effectNames: ReadonlySet<string> = stage.machines.effectNames;
  for (const path of paths) {
    let prefix = "";
    const ledger = new TimerLedger();
    const world = stage.fresh(ledger);
    const actions: EffectAction[] = [];
    let actor: AnyActorRef | undefined;
    const inspect = (ev: InspectionEvent): void => {
      ledger.inspect(ev);
      coverage.inspect(ev);
      if (ev.type === "@xstate.microstep" && ev.actorRef === actor && isMachineSnapshot(ev.snapshot)) {
        for (const child of Object.values(ev.snapshot.children) as Array<AnyActorRef | undefined>) {
          if (typeof child?.src === "string") report.invokes.add(child.src);
        }
      }
      if (ev.type === "@xstate.action" && effectNames.has(ev.action.type)) {
        actions.push({ actor: ev.actorRef as AnyActorRef, name: ev.action.type as EffectName, params: ev.action.params });
        if (ev.actorRef === actor) report.effects.add(ev.action.type);
      }
    };
    actor = createActor(machine, { clock: ledger, input: config.input as never, inspect });
    world.session = config.wireSession === true ? actor : undefined;
    const description = path.steps.map((s) => s.event.type).join(" > ");
    const notes: Record<string, number> = {};
    let prev: AnyMachineSnapshot | undefined;
    for (const [index, step] of path.steps.entries()) {
      const event = step.event as EventObject;
      const where = `${config.name}: ${description} @ step ${index} (${event.type})`;
      const effectsBefore = world.effects.length;
      const actionsBefore = actions.length;
      let driven: Driven = "sent";
      if (index === 0) actor.start();
      else driven = await config.drive(event, { world, ledger, actor, prev: prev!, notes });
      report.driven[driven] += 1;
      // The graph's nodes are abstract (capped counters), so the concrete expectation is the pure
      // transition function of the model applied to this path's events.
      prefix += `>${JSON.stringify(event)}`;
      let expected = expectations.get(prefix);
      if (expected === undefined) {
        expected = (
          prev === undefined ? initialTransition(config.model, config.input as never)[0] : transition(config.model, prev as never, event as never)[0]
        ) as AnyMachineSnapshot;
        expectations.set(prefix, expected);
      }
      same(expected.value, (step.state as AnyMachineSnapshot).value, `${where}: model vs graph`);
      const real = actor.getSnapshot() as AnyMachineSnapshot;
      same(observed(real), observed(expected), where);
      // Effects: this machine's own exactly; a child's only if allowed; and the fakes got exactly what was asked.
      const stepActions = actions.slice(actionsBefore);
      same(stepActions.filter((a) => a.actor === actor).map(asEffect), config.expectEffects(prev, event, expected), `${where}: effects`);
      for (const a of stepActions) ensure(a.actor === actor || config.childEffects?.has(a.name) === true, () => `${where}: child effect ${a.name}`);
      same(world.effects.slice(effectsBefore).map(asEffect), stepActions.map(asEffect), `${where}: effect calls`);
      config.running(expected, world);
      // The end cancels every timer.
      if (expected.status === "done") same(ledger.describe(), "", `${where}: timers left`);
      prev = expected;
      report.steps += 1;
    }
    actor.stop();
  }
  return report;
}
