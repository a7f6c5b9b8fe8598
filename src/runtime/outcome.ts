/**
 * What the host app awaits, settled from the engine's own events: `connected` (join() resolves
 * with the first open channel), `synced` (whenSynced(), the first completed sync round) and
 * `ended` (the reason). A session that ends first rejects the pending ones with a typed error.
 */
import type { EndReason } from "../machines/protocol.js";
import { SessionEndedError, WrongCodeError } from "./errors.js";
import type { EngineEvent } from "./types.js";

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}

/** A promise with its settle functions outside (Node 20 has no Promise.withResolvers). */
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined); // awaited by the host app or not at all: never an unhandled rejection
  return { promise, resolve, reject };
}

export class Outcome {
  readonly connected = deferred<void>();
  readonly synced = deferred<void>();
  readonly ended = deferred<EndReason>();
  private reason: EndReason | null = null;

  get isEnded(): boolean {
    return this.reason !== null;
  }

  get endReason(): EndReason | null {
    return this.reason;
  }

  /** Every event the engine announces passes here first. */
  observe(event: EngineEvent): void {
    if (event.type === "connected") this.connected.resolve();
    else if (event.type === "synced") this.synced.resolve();
  }

  /** The session is over: settle everything. Idempotent; the first reason stands. */
  end(reason: EndReason): void {
    if (this.reason !== null) return;
    this.reason = reason;
    const error = reason === "wrongCode" ? new WrongCodeError("the codes differ: pairing failed") : new SessionEndedError(reason);
    this.connected.reject(error);
    this.synced.reject(error);
    this.ended.resolve(reason);
  }
}
