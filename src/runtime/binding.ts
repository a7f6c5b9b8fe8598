/**
 * Which engine an actor or an effect belongs to. The session machine is provided once per process
 * (session-logic.ts: providing clones every machine's state tree, tens of KiB an engine), so its
 * actors and effects are shared; each is handed the actor system of the session it runs in, and
 * an engine registers its scope under its session's system before the actor starts.
 */
import { EngineStateError } from "./errors.js";
import type { SessionScope } from "./scope.js";

const scopes = new WeakMap<object, SessionScope>();

export function bindSession(system: object, scope: SessionScope): void {
  scopes.set(system, scope);
}

export function scopeOf(system: object): SessionScope {
  const scope = scopes.get(system);
  if (scope === undefined) throw new EngineStateError("this actor does not run in a session made by createSyncEngine");
  return scope;
}
