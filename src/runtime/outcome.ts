/**
 * What the host app awaits, settled from the engine's own events: `connected` (join() resolves
 * with the first open channel), `synced` (whenSynced(), the first completed sync round) and
 * `ended` (the reason). A session that ends first rejects the pending ones with a typed error.
 */
import type { EndReason } from "../machines/protocol.js";
import { SessionEndedError, WrongCodeError } from "./errors.js";
import type { EngineEvent } from "./types.js";

const ignore = (): undefined => undefined;

/**
 * A promise with its settle functions outside (Node 20 has no Promise.withResolvers). The settle
 * functions are let go once used: an engine keeps its promises for the session's life.
 */
class Deferred<T> {
  readonly promise: Promise<T>;
  private res: ((value: T) => void) | undefined;
  private rej: ((error: Error) => void) | undefined;

  constructor() {
    this.promise = new Promise<T>((res, rej) => {
      this.res = res;
      this.rej = rej;
    });
    this.promise.catch(ignore); // awaited by the host app or not at all: never an unhandled rejection
  }

  resolve(value: T): void {
    const res = this.res;
    this.res = this.rej = undefined;
    res?.(value);
  }

  reject(error: Error): void {
    const rej = this.rej;
    this.res = this.rej = undefined;
    rej?.(error);
  }
}

export class Outcome {
  readonly connected = new Deferred<void>();
  readonly synced = new Deferred<void>();
  readonly ended = new Deferred<EndReason>();
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
