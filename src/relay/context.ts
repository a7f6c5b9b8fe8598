/**
 * What every connection of one relay instance shares: settings, store, budgets, metrics,
 * logger, clock, and the index of its live subscribers (where store events are routed).
 */
import type { Budgets } from "./budgets.js";
import type { Clock } from "../clock.js";
import type { RelayLogEvent } from "./log.js";
import type { RelayMetrics } from "./metrics.js";
import type { RelayLimits, RelayTimings } from "./options.js";
import type { RelayStore, StoreEvent } from "./store/types.js";
import type { TurnMinter } from "./turn.js";

export interface SubscriberSink {
  onEvent(event: StoreEvent): void;
}

export interface RelayContext {
  readonly limits: RelayLimits;
  readonly timings: RelayTimings;
  readonly maxFrameBytes: number;
  /** The `welcome` frame every connection gets first, encoded once. */
  readonly welcome: string;
  readonly store: RelayStore;
  readonly budgets: Budgets;
  readonly metrics: RelayMetrics;
  readonly clock: Clock;
  /** Random per-instance id; subscriber tokens start with it so the store routes events here. */
  readonly instanceId: string;
  /** Live subscribers of this instance by token. */
  readonly subscribers: Map<string, SubscriberSink>;
  /** Mints short-lived TURN credentials, when the relay is configured with a TURN server. */
  readonly turn: TurnMinter | undefined;
  newMailboxId(): string;
  log(event: RelayLogEvent): void;
}
