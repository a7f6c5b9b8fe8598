/**
 * Error classes of `lethe-sync/bind`, each with a stable `name`. Messages name store keys and
 * value kinds, never the values themselves (a store may hold what the person typed).
 */
import { LetheError } from "../errors.js";

export class BindError extends LetheError {
  override readonly name: string = "BindError";
}

/**
 * A store value cannot go into the shared document: `key` is the top-level store key, `path`
 * the place inside it (`recording.startedAt`), `kind` what was found there (`a Date`).
 */
export class BindValueError extends BindError {
  override readonly name: string = "BindValueError";
  constructor(
    readonly key: string,
    readonly path: string,
    readonly kind: string,
  ) {
    super(
      `store key "${key}" cannot be synced: ${path} is ${kind}; only plain values go into the shared ` +
        `document (null, booleans, numbers, strings, Uint8Array, arrays and plain objects of them)`,
    );
  }
}

/** The session ended (or the binding was detached) before the two stores were seeded. */
export class BindDetachedError extends BindError {
  override readonly name: string = "BindDetachedError";
}

/** The binding was used after dispose(), or attached to a second engine while one is live. */
export class BindStateError extends BindError {
  override readonly name: string = "BindStateError";
}

/** What arrived in the binding's part of the document is not what a binding writes. */
export class BindDocumentError extends BindError {
  override readonly name: string = "BindDocumentError";
}
