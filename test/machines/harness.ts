/**
 * Shared test machinery for the lifecycle machines: exact simulated time, targeted timer firing,
 * transition enumeration from machine definitions, coverage from the real actors' microsteps,
 * and the "no secrets in observable state" check.
 */
import type { AnyActorRef, AnyStateMachine, InspectionEvent, SimulatedClock } from "xstate";
import { DEFAULT_TIMINGS, type SessionCommand, type Timings } from "../../src/machines/protocol.js";

/** Defaults, except the ping interval: every named delay must be distinct so a timer is found by its duration. */
export const WALK_TIMINGS: Timings = Object.freeze({ ...DEFAULT_TIMINGS, pingIntervalMs: 14_000 });

interface PendingTimeout {
  readonly start: number;
  readonly timeout: number;
  readonly fn: () => void;
}

/** SimulatedClock keeps its timers in a private map; tests read it to step time exactly. */
function timeoutsOf(clock: SimulatedClock): Map<number, PendingTimeout> {
  return (clock as unknown as { timeouts: Map<number, PendingTimeout> }).timeouts;
}

/** Pending timer durations (for diagnostics). */
export function pendingDelays(clock: SimulatedClock): number[] {
  return [...timeoutsOf(clock).values()].map((t) => t.timeout);
}

/**
 * Advance `ms`, stopping at every due time on the way, so a timer re-armed by another timer
 * starts at the exact moment it would in real life (SimulatedClock.increment jumps to the end
 * first, which would re-arm late).
 */
export function advance(clock: SimulatedClock, ms: number): void {
  const target = clock.now() + ms;
  for (let guard = 0; guard < 100_000; guard += 1) {
    let next = Number.POSITIVE_INFINITY;
    for (const t of timeoutsOf(clock).values()) next = Math.min(next, t.start + t.timeout);
    if (next > target) break;
    clock.set(Math.max(next, clock.now()));
  }
  clock.set(target);
}

export type FireMode = "clock" | "direct";

/**
 * Fire the one pending timer whose duration is `ms`. If it is the earliest due, the clock moves
 * to its due time (real ordering). If another timer would fire first, the path the graph chose
 * cannot happen with these timings in one go, so the scheduled callback itself is run (the same
 * event through XState's scheduler), without moving the clock.
 */
export function fireTimer(clock: SimulatedClock, ms: number): FireMode {
  const timeouts = timeoutsOf(clock);
  const matches = [...timeouts].filter(([, t]) => t.timeout === ms);
  if (matches.length !== 1) {
    throw new Error(`expected exactly one pending ${ms} ms timer, found ${matches.length} in [${pendingDelays(clock).join(", ")}]`);
  }
  const [id, timer] = matches[0]!;
  const due = timer.start + timer.timeout;
  const othersFirst = [...timeouts].some(([other, t]) => other !== id && t.start + t.timeout <= due);
  if (!othersFirst) {
    clock.set(due);
    return "clock";
  }
  timeouts.delete(id);
  timer.fn();
  return "direct";
}

/** A stable name for a transition definition: machine, source state, event, index. */
export interface TransitionLike {
  readonly source: { readonly id: string; readonly machine: { readonly id: string } };
  readonly eventType: string;
}

function transitionsOfNode(node: AnyStateMachine["root"]): Array<[string, readonly TransitionLike[]]> {
  const out: Array<[string, readonly TransitionLike[]]> = [...node.transitions.entries()];
  if (node.always) out.push(["", node.always]);
  return out;
}

/** Every transition a machine definition declares, by stable key. */
export function allTransitions(machine: AnyStateMachine): string[] {
  const keys: string[] = [];
  const visit = (node: AnyStateMachine["root"]): void => {
    for (const [eventType, list] of transitionsOfNode(node)) {
      list.forEach((_, i) => keys.push(`${machine.id}:${node.id} --${eventType || "(always)"}[${i}]`));
    }
    for (const child of Object.values(node.states)) visit(child);
  };
  visit(machine.root);
  return keys;
}

function keyOf(t: TransitionLike): string {
  const source = t.source as unknown as AnyStateMachine["root"];
  const list = t.eventType === "" ? (source.always ?? []) : (source.transitions.get(t.eventType) ?? []);
  const index = (list as readonly unknown[]).indexOf(t);
  return `${t.source.machine.id}:${t.source.id} --${t.eventType || "(always)"}[${index}]`;
}

/** Collects the transitions real actors took (from `@xstate.microstep` inspection events). */
export class CoverageRecorder {
  readonly taken = new Set<string>();
  readonly inspect = (ev: InspectionEvent): void => {
    if (ev.type !== "@xstate.microstep") return;
    for (const t of (ev as unknown as { _transitions: TransitionLike[] })._transitions) this.taken.add(keyOf(t));
  };
  missing(machine: AnyStateMachine): string[] {
    return allTransitions(machine).filter((k) => !this.taken.has(k));
  }
}

/** Snapshot-ish values as JSON: throws on a Uint8Array or a field named like key material. */
/** Names that denote key material: `*key`, `*keys`, secrets, seeds, passwords, tokens, private parts, HKDF ikm/prk. */
export const KEY_LIKE = /keys?$|secret|seed|passw|token|private|^ikm$|^prk$/i;
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
  // What is checked must also be what a JSON dump contains: it must serialise.
  JSON.stringify(value);
}

/** The observable part of an actor snapshot (value, context, status, output, children's the same). */
export function observable(actor: AnyActorRef): unknown {
  const s = actor.getSnapshot() as {
    value?: unknown; context?: unknown; status?: unknown; output?: unknown; children?: Record<string, AnyActorRef | undefined>;
  };
  const children: Record<string, unknown> = {};
  for (const [id, child] of Object.entries(s.children ?? {})) if (child) children[id] = observable(child);
  return { value: s.value, context: s.context, status: s.status, output: s.output, children };
}

/** Records every command an actor emits, with the clock time. */
export function recordCommands(actor: AnyActorRef, clock: SimulatedClock): Array<SessionCommand & { at: number }> {
  const out: Array<SessionCommand & { at: number }> = [];
  actor.on("*", (c: SessionCommand) => out.push({ ...c, at: clock.now() }));
  return out;
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
