/**
 * Node only: the synchronous twin of `importOptional` (optional-dependency.ts), for the few places
 * that must construct a Node-only package's object synchronously (the relay's Redis store). Uses
 * Node's `require`, so it serves CommonJS packages (ioredis, ws, werift, bonjour-service all are).
 */
import { createRequire } from "node:module";
import { isMissingModule, MissingDependencyError } from "./optional-dependency.js";

const nodeRequire = createRequire(import.meta.url);

/** Loads the optional package `name`, or throws MissingDependencyError when it is not installed. */
export function requireOptional<T = unknown>(name: string): T {
  try {
    return nodeRequire(name) as T;
  } catch (e) {
    throw isMissingModule(e, name) ? new MissingDependencyError(name, { cause: e }) : e;
  }
}
