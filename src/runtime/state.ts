/**
 * Builds the plain, secret-free views of the actors for `state$`: each actor's state value,
 * status and the primitive fields of its context (machines keep only public data there; the
 * nested `timings` object is left out because it never changes).
 */
import type { AnyActorRef } from "xstate";
import type { ActorView } from "./types.js";

function plainContext(context: unknown): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  if (typeof context !== "object" || context === null) return out;
  for (const [k, v] of Object.entries(context as Record<string, unknown>)) {
    if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[k] = v;
  }
  return out;
}

function view(ref: AnyActorRef): ActorView | undefined {
  const s = ref.getSnapshot() as { value?: unknown; status?: string; context?: unknown } | undefined;
  if (s === undefined) return undefined;
  return { value: JSON.parse(JSON.stringify(s.value ?? null)) as unknown, status: String(s.status), context: plainContext(s.context) };
}

/** session + its children, by id. */
export function actorViews(root: AnyActorRef): Record<string, ActorView> {
  const out: Record<string, ActorView> = {};
  const rv = view(root);
  if (rv !== undefined) out["session"] = rv;
  const snap = root.getSnapshot() as { children?: Record<string, AnyActorRef | undefined> };
  for (const [id, child] of Object.entries(snap.children ?? {})) {
    if (child === undefined) continue;
    const cv = view(child);
    if (cv !== undefined) out[id] = cv;
  }
  return out;
}
