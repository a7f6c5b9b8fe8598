/**
 * Shared test machinery for the lifecycle machines: transition enumeration from the machine
 * definitions, coverage from what real actors did (public inspection data only), the
 * "no secrets in observable state" check and cheap assertions for hot property loops.
 */
import {
  getNextTransitions,
  pathToStateValue,
  type AnyActorRef,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type AnyTransitionDefinition,
  type InspectionEvent,
} from "xstate";
import { DEFAULT_TIMINGS, type Timings } from "../../src/machines/protocol.js";

/**
 * Defaults, except the connect timeout: 15 s like the rotation ack timeout, and two timers that
 * may be pending together must not share a delay (the TimerLedger tells timers apart by it).
 */
export const WALK_TIMINGS: Timings = Object.freeze({ ...DEFAULT_TIMINGS, connectTimeoutMs: 17_000 });

type StateNode = AnyStateMachine["root"];

function allNodes(node: StateNode): StateNode[] {
  return [node, ...Object.values(node.states).flatMap(allNodes)];
}

/** The states a machine declares (its root is not one). */
export function countStates(machine: AnyStateMachine): number {
  return allNodes(machine.root).length - 1;
}

function transitionKey(machineId: string, node: StateNode, eventType: string, index: number): string {
  return `${machineId}:${node.id} --${eventType || "(always)"}[${index}]`;
}

/** Every transition a machine definition declares (guarded branches, delays, done/error of invoked actors), by stable key. */
export function allTransitions(machine: AnyStateMachine): string[] {
  const keys: string[] = [];
  for (const node of allNodes(machine.root)) {
    for (const [eventType, list] of node.transitions) list.forEach((_, i) => keys.push(transitionKey(machine.id, node, eventType, i)));
    (node.always ?? []).forEach((_, i) => keys.push(transitionKey(machine.id, node, "", i)));
  }
  return keys;
}

function keyOf(t: AnyTransitionDefinition): string {
  const source = t.source;
  const list: readonly AnyTransitionDefinition[] = t.eventType === "" ? (source.always ?? []) : (source.transitions.get(t.eventType) ?? []);
  return transitionKey(source.machine.id, source, t.eventType, list.indexOf(t));
}

const isMachineSnapshot = (s: unknown): s is AnyMachineSnapshot =>
  typeof s === "object" && s !== null && "machine" in s && "value" in s;

/**
 * Collects the transitions real actors took, from public inspection data. Each macrostep of an
 * actor is a run of `@xstate.microstep` events closed by `@xstate.snapshot`: the first microstep
 * after a snapshot answers the event (its transitions are the machine's own selection,
 * `getTransitionData`, from the previous snapshot), the rest are eventless (`always`), told
 * apart by where they lead.
 */
export class CoverageRecorder {
  readonly taken = new Set<string>();
  private readonly actors = new Map<AnyActorRef, { snapshot: AnyMachineSnapshot | undefined; atStart: boolean }>();

  readonly inspect = (ev: InspectionEvent): void => {
    if (ev.type !== "@xstate.snapshot" && ev.type !== "@xstate.microstep") return;
    if (!isMachineSnapshot(ev.snapshot)) return;
    const ref = ev.actorRef as AnyActorRef;
    const state = this.actors.get(ref) ?? { snapshot: undefined, atStart: true };
    this.actors.set(ref, state);
    if (ev.type === "@xstate.snapshot") {
      state.snapshot = ev.snapshot;
      state.atStart = true;
      return;
    }
    const prev = state.snapshot;
    const next = ev.snapshot;
    const answersEvent = state.atStart && ev.event.type !== "xstate.init";
    state.atStart = false;
    state.snapshot = next;
    if (prev === undefined) throw new Error(`coverage: a microstep of ${ref.id} before any snapshot of it`);
    const transitions = answersEvent ? prev.machine.getTransitionData(prev, ev.event) : eventlessTaken(prev, next);
    for (const t of transitions) this.taken.add(keyOf(t));
  };

  /** Declared transitions of `machine` no real actor took. */
  missing(machine: AnyStateMachine): string[] {
    return allTransitions(machine).filter((k) => !this.taken.has(k));
  }

  /** Taken transitions of `machine` (by key). */
  takenOf(machine: AnyStateMachine): number {
    return allTransitions(machine).filter((k) => this.taken.has(k)).length;
  }
}

/** The eventless transitions a microstep took: per source, the first whose targets are all active afterwards. */
function eventlessTaken(prev: AnyMachineSnapshot, next: AnyMachineSnapshot): AnyTransitionDefinition[] {
  const bySource = new Map<StateNode, AnyTransitionDefinition[]>();
  for (const t of getNextTransitions(prev)) {
    if (t.eventType !== "") continue;
    bySource.set(t.source, [...(bySource.get(t.source) ?? []), t]);
  }
  const taken: AnyTransitionDefinition[] = [];
  for (const list of bySource.values()) {
    const hit = list.find((t) => (t.target ?? []).length > 0 && t.target!.every((n) => next.matches(pathToStateValue(n.path) as never)));
    if (hit) taken.push(hit);
  }
  if (taken.length === 0) throw new Error(`coverage: cannot tell which eventless transition led from ${JSON.stringify(prev.value)} to ${JSON.stringify(next.value)}`);
  return taken;
}

/** Names that denote key material: `*key`, `*keys`, secrets, seeds, passwords, tokens, private parts, HKDF ikm/prk. */
const KEY_LIKE = /keys?$|secret|seed|passw|token|private|^ikm$|^prk$/i;

/** Throws on binary data or a field named like key material anywhere in `value`; it must also serialise. */
export function assertNoSecrets(value: unknown, label = "value"): void {
  // A direct walk (no replacer callback) keeps this cheap enough to run after every property step.
  const seen = new Set<object>();
  const walk = (v: unknown, path: string): void => {
    if (v === null || typeof v !== "object") return;
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) throw new Error(`${label}: binary data at ${path}`);
    if (seen.has(v)) return;
    seen.add(v);
    if (typeof (v as { toJSON?: unknown }).toJSON === "function") {
      walk((v as { toJSON: () => unknown }).toJSON(), path);
      return;
    }
    for (const [name, child] of Object.entries(v)) {
      if (KEY_LIKE.test(name)) throw new Error(`${label}: field named like key material: ${path}.${name}`);
      walk(child, `${path}.${name}`);
    }
  };
  walk(value, "$");
  JSON.stringify(value);
}

/** The observable part of an actor snapshot (value, context, status, output, tags; children's the same). */
export function observable(actor: AnyActorRef): unknown {
  const s = actor.getSnapshot() as {
    value?: unknown; context?: unknown; status?: unknown; output?: unknown; tags?: Set<string>; children?: Record<string, AnyActorRef | undefined>;
  };
  const children: Record<string, unknown> = {};
  for (const [id, child] of Object.entries(s.children ?? {})) if (child) children[id] = observable(child);
  return { value: s.value, context: s.context, status: s.status, output: s.output, tags: s.tags ? [...s.tags] : [], children };
}

/** A cheap assertion for hot loops (vitest's expect costs ~µs per call; properties run 10^5 checks). */
export function ensure(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new Error(message());
}

/** Cheap deep equality for hot loops (compares the JSON of plain data). */
export function same(actual: unknown, expected: unknown, where: string): void {
  const a = JSON.stringify(actual);
  const b = JSON.stringify(expected);
  ensure(a === b, () => `${where}: got ${a}, expected ${b}`);
}

/** Counts the cases random runs reached: a generator that never reaches one tests nothing there. */
export class Reached {
  private readonly counts = new Map<string, number>();

  hit(name: string, reached = true): void {
    if (reached) this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }

  missing(names: readonly string[]): string[] {
    return names.filter((n) => !this.counts.has(n));
  }

  toString(): string {
    return JSON.stringify(Object.fromEntries(this.counts));
  }
}
