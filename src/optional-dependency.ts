/**
 * Node-only packages (werift, bonjour-service, ws, ioredis) are optional peer dependencies: a
 * browser app never installs them, and the modules that need them load them here, lazily, on
 * first use (inside an adapter's connect/advertise/host path, never at import time). A package
 * that is not installed becomes a `MissingDependencyError` naming it and the command that adds it.
 */
import { LetheError } from "./errors.js";

/** An optional peer dependency is not installed. `packageName` says which; the message says how. */
export class MissingDependencyError extends LetheError {
  override readonly name = "MissingDependencyError";
  constructor(
    readonly packageName: string,
    options?: { cause?: unknown },
  ) {
    super(`lethe-sync needs the optional package "${packageName}" here: install it with \`npm install ${packageName}\``, options);
  }
}

/** True when `error` says the module `name` itself (not something inside it) cannot be found. */
export function isMissingModule(error: unknown, name: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND" && !/^(Cannot find (package|module)|Failed to (resolve|load))/i.test(error.message)) {
    return false;
  }
  return error.message.includes(`'${name}'`) || error.message.includes(`"${name}"`);
}

const loaded = new Map<string, Promise<unknown>>();

/**
 * Loads the optional package `name` once. Pass `load` as `() => import("pkg")` with a literal
 * specifier (so types flow and bundlers see it); without it the name is imported as given.
 * Rejects with MissingDependencyError when the package is not installed; any other failure
 * (the package is there but throws while loading) is passed on as it is.
 */
export function importOptional<T = unknown>(name: string, load: () => Promise<T> = () => import(/* @vite-ignore */ name) as Promise<T>): Promise<T> {
  let p = loaded.get(name) as Promise<T> | undefined;
  if (p === undefined) {
    p = load().catch((e: unknown) => {
      loaded.delete(name); // installed later (or a transient failure): try again next time
      throw isMissingModule(e, name) ? new MissingDependencyError(name, { cause: e }) : e;
    });
    loaded.set(name, p);
  }
  return p;
}
