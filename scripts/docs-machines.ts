/**
 * `npm run docs:machines`: writes docs/machines.md — per machine, one Mermaid state diagram
 * generated from the definition (with the actors each state invokes), the actors it invokes and
 * the effects it asks the runtime for (checked against the catalog by the model-based suite),
 * its status tags, and tables of its states, delays (with the `Timings` field each reads and its
 * default) and transitions (with their actions). A test regenerates it in memory and fails when
 * the committed file is stale.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { AnyStateMachine } from "xstate";
import { MACHINES, type MachineEntry } from "../src/machines/catalog.js";
import { DEFAULT_TIMINGS, type Timings } from "../src/machines/protocol.js";

type StateNode = AnyStateMachine["root"];
interface Transition {
  readonly eventType: string;
  readonly target?: readonly StateNode[] | undefined;
  readonly guard?: unknown;
  readonly reenter?: boolean;
  readonly source: StateNode;
  readonly actions: readonly unknown[];
}

export const DOC_PATH = fileURLToPath(new URL("../docs/machines.md", import.meta.url));

/** Mermaid id: the state's path, `_`-joined (a composite state shows its id as its label). */
const mid = (node: StateNode): string => node.path.join("_").replace(/[^A-Za-z0-9_]/g, "_");

function eventLabel(eventType: string): string {
  if (eventType === "") return "always";
  if (eventType.startsWith("xstate.after.")) return `after ${eventType.split(".")[2]}`;
  if (eventType.startsWith("xstate.done.actor.")) return `done ${eventType.slice("xstate.done.actor.".length)}`;
  if (eventType.startsWith("xstate.error.actor.")) return `error ${eventType.slice("xstate.error.actor.".length)}`;
  return eventType;
}

/** Names of the named actions in a list (inline and built-in actions left out). */
function actionNames(actions: readonly unknown[]): string[] {
  return actions.flatMap((a) => {
    const name = typeof a === "string" ? a : typeof a === "object" && a !== null ? (a as { type?: unknown }).type : undefined;
    return typeof name === "string" && !name.startsWith("xstate.") ? [name] : [];
  });
}

/** The actors a state invokes (their `src`). */
function invokesOf(node: StateNode): string[] {
  return node.invoke.map((i) => (typeof i.src === "string" ? i.src : i.id));
}

/** Every actor a machine definition invokes, in document order. */
export function invokedActors(machine: AnyStateMachine): string[] {
  return [...new Set(allNodes(machine.root).flatMap(invokesOf))];
}

const code = (names: readonly string[], none: string): string => names.map((n) => `\`${n}\``).join(", ") || none;

function guardName(t: Transition): string | null {
  const g = t.guard as { type?: string } | string | undefined;
  if (g === undefined) return null;
  return typeof g === "string" ? g : (g.type ?? "guard");
}

function transitionsOf(node: StateNode): Transition[] {
  const out: Transition[] = [];
  for (const list of node.transitions.values()) out.push(...(list as unknown as Transition[]));
  if (node.always) out.push(...(node.always as unknown as Transition[]));
  return out;
}

function allNodes(node: StateNode): StateNode[] {
  return [node, ...Object.values(node.states).flatMap(allNodes)];
}

function label(t: Transition): string {
  const guard = guardName(t);
  const reenter = t.reenter && t.target?.length === 1 && t.target[0] === t.source ? " (re-enter)" : "";
  return `${eventLabel(t.eventType)}${guard ? ` [${guard}]` : ""}${reenter}`;
}

/** Mermaid body for the children of `node`, indented. */
function renderChildren(node: StateNode, indent: string): string[] {
  const lines: string[] = [];
  const children = Object.values(node.states);
  if (node.type === "parallel") {
    children.forEach((region, i) => {
      if (i > 0) lines.push(`${indent}--`);
      lines.push(...renderState(region, indent));
    });
    return lines;
  }
  const initial = (node as unknown as { initial?: { target?: StateNode[] } }).initial?.target?.[0];
  if (initial) lines.push(`${indent}[*] --> ${mid(initial)}`);
  for (const child of children) lines.push(...renderState(child, indent));
  return lines;
}

function renderState(node: StateNode, indent: string): string[] {
  const lines: string[] = [];
  if (Object.keys(node.states).length > 0) {
    lines.push(`${indent}state ${mid(node)} {`);
    lines.push(...renderChildren(node, `${indent}  `));
    lines.push(`${indent}}`);
  } else {
    lines.push(`${indent}state "${node.key}" as ${mid(node)}`);
  }
  const invokes = invokesOf(node);
  if (invokes.length > 0) lines.push(`${indent}note right of ${mid(node)} : invokes ${invokes.join(", ")}`);
  if (node.type === "final") lines.push(`${indent}${mid(node)} --> [*]`);
  return lines;
}

function renderEdges(machine: AnyStateMachine): string[] {
  const lines: string[] = [];
  for (const node of allNodes(machine.root)) {
    for (const t of transitionsOf(node)) {
      for (const target of t.target ?? []) {
        if (node !== machine.root) {
          lines.push(`  ${mid(node)} --> ${mid(target)} : ${label(t)}`);
          continue;
        }
        // A root-level transition leaves every top-level state that is still running.
        for (const top of Object.values(machine.root.states)) {
          if (top.type === "final" || top === target || top.always) continue;
          lines.push(`  ${mid(top)} --> ${mid(target)} : ${label(t)}`);
        }
      }
    }
  }
  return lines;
}

function mermaid(machine: AnyStateMachine): string {
  // Mermaid draws concurrent regions (`--`) only inside a composite state: wrap a parallel root.
  const body =
    machine.root.type === "parallel"
      ? [`  state ${machine.id} {`, ...renderChildren(machine.root, "    "), "  }"]
      : renderChildren(machine.root, "  ");
  return ["```mermaid", "stateDiagram-v2", ...body, ...renderEdges(machine), "```"].join("\n");
}

const DELAY_NOTES: Record<string, string> = {
  reconnectBackoff: ", doubling per consecutive failure up to `timings.reconnectMaxMs`",
  inactivityRemaining: " minus the time since the last activity (the runtime's liveness, asked when the delay is set)",
  peerGoneRemaining: " minus the time since the last authenticated frame (the runtime's liveness, asked when the delay is set)",
  linkStaleRemaining: " minus the time since this link's last authenticated frame or its opening (the runtime's liveness, asked when the delay is set)",
};

/** Which `Timings` field a named delay reads: evaluate it against distinct sentinel values. */
function delayRows(machine: AnyStateMachine): string[] {
  const fields = Object.keys(DEFAULT_TIMINGS) as Array<keyof Timings>;
  const sentinel = Object.fromEntries(fields.map((f, i) => [f, 1_000_003 + i * 7919])) as unknown as Timings;
  const delays = (machine.implementations.delays ?? {}) as Record<string, unknown>;
  return Object.entries(delays).map(([name, impl]) => {
    const value = typeof impl === "function" ? (impl as (a: unknown) => number)({ context: { timings: sentinel, failures: 1 } }) : impl;
    const field = fields.find((f) => sentinel[f] === value);
    const reads = field === undefined ? "computed" : `\`timings.${field}\``;
    const extra = DELAY_NOTES[name] ?? "";
    const def = field === undefined ? "" : `${DEFAULT_TIMINGS[field].toLocaleString("en-US")} ms`;
    return `| \`${name}\` | ${reads}${extra} | ${def} |`;
  });
}

function stateRows(machine: AnyStateMachine): string[] {
  return allNodes(machine.root)
    .filter((n) => n !== machine.root)
    .map((n) => {
      const path = n.path.join(".");
      const description = (n as unknown as { description?: string }).description ?? "";
      const cells = [code(n.tags, ""), code(invokesOf(n), ""), code(actionNames(n.entry), "")];
      return `| \`${path}\` | ${n.type} | ${cells.join(" | ")} | ${description} |`;
    });
}

function transitionRows(machine: AnyStateMachine): string[] {
  const rows: string[] = [];
  for (const node of allNodes(machine.root)) {
    for (const t of transitionsOf(node)) {
      const source = node === machine.root ? "(any)" : node.path.join(".");
      const targets = (t.target ?? []).map((x) => x.path.join(".") || machine.id).join(", ") || "(stays; actions only)";
      const guard = guardName(t) ?? "";
      rows.push(`| \`${source}\` | ${eventLabel(t.eventType)} | ${guard} | ${targets}${t.reenter ? " (re-enter)" : ""} | ${code(actionNames(t.actions), "")} |`);
    }
  }
  return rows;
}

function externalEvents(machine: AnyStateMachine): string[] {
  const types = new Set<string>();
  for (const node of allNodes(machine.root)) {
    for (const t of transitionsOf(node)) if (t.eventType !== "" && !t.eventType.startsWith("xstate.")) types.add(t.eventType);
  }
  return [...types];
}

function statusTags(machine: AnyStateMachine): string[] {
  return [...new Set(allNodes(machine.root).flatMap((n) => n.tags))];
}

function section(entry: MachineEntry): string {
  const { machine } = entry;
  const transitions = transitionRows(machine);
  const delays = delayRows(machine);
  return [
    `## ${entry.name}`,
    "",
    entry.summary,
    "",
    mermaid(machine),
    "",
    `- **Events:** ${code(externalEvents(machine), "none (nothing extends it)")}`,
    `- **Invokes:** ${code(invokedActors(machine), "nothing")}`,
    `- **Effects:** ${code(entry.effects, "none (its outcome is its final state / output)")}`,
    `- **Status tags:** ${code(statusTags(machine), "none")}`,
    `- **Transitions:** ${transitions.length}`,
    "",
    "| state | type | tags | invokes | entry | description |",
    "|---|---|---|---|---|---|",
    ...stateRows(machine),
    "",
    ...(delays.length > 0 ? ["| delay | reads | default |", "|---|---|---|", ...delays, ""] : []),
    "| from | event | guard | to | actions |",
    "|---|---|---|---|---|",
    ...transitions,
    "",
  ].join("\n");
}

export function renderMachinesDoc(): string {
  return [
    "# Lifecycle machines",
    "",
    "<!-- Generated by `npm run docs:machines` from src/machines. Do not edit by hand: test/machines/docs.test.ts fails when this file is stale. -->",
    "",
    "Six XState v5 machines; `src/machines/index.ts` exports them as `lethe-sync/machines`. Machines do no I/O and hold",
    "no secrets: they **invoke** the I/O as actors and ask for **effects** through named actions, both supplied by the",
    "runtime with `provideSession({ actors, effects })` (`src/machines/implementations.ts`; built once per process,",
    "each actor and effect finds its engine by the actor system it is handed); tests supply fakes the same way, and may",
    "replace the liveness stamps the session's input carries. Stopping an invoked actor is its cleanup. The runtime sends `SessionEvent`s to the session",
    "(`src/machines/protocol.ts`); the invoked actors report to the machine that invoked them. Status comes from state",
    "tags. Every duration is a named delay read from the `timings` input (`DEFAULT_TIMINGS`); the dead-man and",
    "peer-gone delays ask the runtime's liveness stamps when they fire and re-arm for the remainder. Diagrams show the",
    "transitions between states (`after X` = delay X, `done X` / `error X` = invoked actor X finished / failed,",
    "`[guard]`) and, as notes, the actors each state invokes; transitions that only run actions (forwarding an event",
    "to a child, counting) and root-level ones are in each machine's transition table.",
    "",
    ...MACHINES.map(section),
  ].join("\n");
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(DOC_PATH, renderMachinesDoc());
  console.log(`wrote ${DOC_PATH}`);
}
