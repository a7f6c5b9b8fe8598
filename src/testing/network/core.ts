/**
 * The in-memory network: devices, the links between them, a relay-like signaling service and a
 * discovery registry, all in one process and all deterministic from one seed.
 *
 * Time. Nothing here uses the wall clock. Deliveries are queued and handed over in "rounds":
 * with `autoFlush` (the default) a round runs on a microtask whenever something is queued, so
 * an engine under test progresses as soon as the test awaits; with `autoFlush: false` only
 * `flush()` / `step()` deliver, so a test can inspect the world between rounds. A `delay` fault
 * holds a message for a number of rounds (not milliseconds). The only timeouts (discovery
 * `find`, `timeoutMs`) run on the injected `clock` (the engine's TestClock in tests), default
 * the wall clock.
 *
 * Faults apply to transport links only (the signaling relay is reliable, as a real relay over
 * TCP is): drop, duplicate, reorder, corrupt (one bit flipped), delay; `partition` fails every
 * open channel between the two sides and refuses new ones until `heal()`.
 */
import type { Clock } from "../../clock.js";
import { createPrng, type Prng } from "./prng.js";

/** Probabilities in [0, 1] per message; `maxDelayRounds` bounds a delay. */
export interface LinkFaults {
  readonly drop?: number;
  readonly duplicate?: number;
  readonly reorder?: number;
  readonly corrupt?: number;
  readonly delay?: number;
  readonly maxDelayRounds?: number;
}


export interface NetworkStats {
  delivered: number;
  dropped: number;
  duplicated: number;
  reordered: number;
  corrupted: number;
  delayed: number;
  failedByPartition: number;
}

interface Entry {
  readyAt: number;
  /** Deliver; `false` return = cancelled (target gone). */
  run: () => void;
  /** Called instead of run when the entry is discarded (partition, close). */
  discard?: () => void;
}


/** Internal: what the memory adapters share. Not part of the public API. */
export class NetworkCore {
  readonly prng: Prng;
  readonly clock: Clock;
  readonly autoFlush: boolean;
  readonly stats: NetworkStats = {
    delivered: 0, dropped: 0, duplicated: 0, reordered: 0, corrupted: 0, delayed: 0, failedByPartition: 0,
  };
  private readonly queues = new Map<string, Entry[]>();
  private round = 0;
  private scheduled = false;
  private readonly faults = new Map<string, LinkFaults>();
  private defaultFaults: LinkFaults = {};
  private readonly partitions = new Set<string>();
  /** Listeners told when a partition starts between two devices (channels fail). */
  readonly partitionListeners = new Set<(a: string, b: string) => void>();

  constructor(seed: number | string, autoFlush: boolean, clock: Clock) {
    this.prng = createPrng(seed);
    this.autoFlush = autoFlush;
    this.clock = clock;
  }

  static pairKey(a: string, b: string): string {
    return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
  }

  setFaults(a: string | undefined, b: string | undefined, f: LinkFaults): void {
    if (a === undefined || b === undefined) this.defaultFaults = { ...f };
    else this.faults.set(NetworkCore.pairKey(a, b), { ...f });
  }

  faultsFor(a: string, b: string): LinkFaults {
    return this.faults.get(NetworkCore.pairKey(a, b)) ?? this.defaultFaults;
  }

  partition(a: string, b: string): void {
    const k = NetworkCore.pairKey(a, b);
    if (this.partitions.has(k)) return;
    this.partitions.add(k);
    for (const l of [...this.partitionListeners]) l(a, b);
  }

  isPartitioned(a: string, b: string): boolean {
    return this.partitions.has(NetworkCore.pairKey(a, b));
  }

  /** Remove every partition (faults stay until clearFaults). */
  heal(): void {
    this.partitions.clear();
  }

  clearFaults(): void {
    this.faults.clear();
    this.defaultFaults = {};
  }

  /** Queue a delivery on `queue` after `delayRounds` rounds, keeping FIFO unless `overtake`. */
  enqueue(queue: string, entry: { run: () => void; discard?: () => void }, delayRounds = 0, overtake = false): void {
    let q = this.queues.get(queue);
    if (q === undefined) {
      q = [];
      this.queues.set(queue, q);
    }
    let readyAt = this.round + 1 + delayRounds;
    const last = q[q.length - 1];
    if (!overtake && last !== undefined) readyAt = Math.max(readyAt, last.readyAt);
    q.push({ readyAt, ...entry });
    this.schedule();
  }

  /** Drop every queued entry of a queue (partition, close), running its discard hook. */
  discardQueue(queue: string): void {
    const q = this.queues.get(queue);
    if (q === undefined) return;
    this.queues.delete(queue);
    for (const e of q) e.discard?.();
  }

  get pending(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  private schedule(): void {
    if (!this.autoFlush || this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.step();
    });
  }

  /** One delivery round: hand over every entry whose round has come. Returns how many. */
  step(): number {
    this.round++;
    let n = 0;
    for (const [name, q] of [...this.queues]) {
      const ready: Entry[] = [];
      const rest: Entry[] = [];
      for (const e of q) (e.readyAt <= this.round ? ready : rest).push(e);
      if (rest.length === 0) this.queues.delete(name);
      else this.queues.set(name, rest);
      for (const e of ready) {
        n++;
        e.run();
      }
    }
    if (this.pending > 0) this.schedule();
    return n;
  }

  /** Deliver everything now, ignoring delays (runs rounds until nothing is queued). */
  flush(maxRounds = 100_000): number {
    let n = 0;
    for (let i = 0; i < maxRounds && this.pending > 0; i++) n += this.step();
    return n;
  }
}
