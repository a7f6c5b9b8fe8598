/**
 * What every connection of one relay instance shares: settings, store, metrics, logger, clock.
 */
import type { RelayClock } from "./clock.js";
import type { RelayConnection } from "./connection.js";
import type { RelayLogEvent } from "./log.js";
import type { RelayMetrics } from "./metrics.js";
import type { RelayLimits, RelayTimings } from "./options.js";
import type { RelayStore, Side } from "./store/types.js";

export interface RelayContext {
  readonly limits: RelayLimits;
  readonly timings: RelayTimings;
  readonly maxFrameBytes: number;
  readonly store: RelayStore;
  readonly metrics: RelayMetrics;
  readonly clock: RelayClock;
  /** Random per-instance id; presence tokens carry it so one relay never clears another's. */
  readonly instanceId: string;
  newMailboxId(): string;
  log(event: RelayLogEvent): void;
  /** Close the side `mb`/`side` on every other local connection (newest opener wins). */
  replaceLocal(mb: string, side: Side, by: RelayConnection): void;
}
