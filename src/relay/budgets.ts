/**
 * Work budgets per client address, shared by all of that address's connections (so opening
 * more connections buys nothing), plus the relay-wide caps. An address is the budget key of
 * address.ts (IPv6 per /64). Budgets are about the work an address can cause — bytes held for
 * absent recipients, nameplate claims, joins that found nothing (a sweep), new mailboxes —
 * not a low connection count, so everyone behind one NAT or proxy can pair at once while one
 * abuser cannot take the relay's memory or its nameplates. Per instance: with N relays behind
 * a load balancer an address gets up to N times each budget.
 */
import type { Clock } from "../clock.js";
import type { LimitName } from "./metrics.js";
import type { RelayLimits } from "./options.js";
import { TokenBucket, WindowSum } from "./rate.js";

/** Bytes charged per held blob on top of its length (the store's record around it). */
export const HELD_OVERHEAD_BYTES = 256;

export interface AddressBudget {
  readonly key: string;
  connections: number;
  readonly claims: TokenBucket;
  readonly failedJoins: TokenBucket;
  readonly mailboxes: TokenBucket;
  /** Created on the first blob held: most addresses never hold one. */
  held: WindowSum | undefined;
}

/** Room reserved in an address's held-bytes budget (and the relay's) for one blob, at `at`. */
export interface Reservation {
  readonly budget: AddressBudget;
  readonly cost: number;
  readonly at: number;
}

/** A refusal: the error code the client gets and the limit it is counted under. */
export type Refusal = { readonly code: "held_bytes_limited" | "relay_full"; readonly limit: LimitName; readonly message: string };

export class Budgets {
  private readonly byAddress = new Map<string, AddressBudget>();
  private readonly heldTotal: WindowSum;
  /** Reservations of blobs held for absent recipients, by mailbox and side, oldest first. */
  private readonly heldHere = new Map<string, Reservation[]>();
  private readonly windowMs: number;
  connections = 0;

  constructor(
    private readonly limits: RelayLimits,
    private readonly clock: Clock,
    ttlSeconds: number,
  ) {
    this.windowMs = ttlSeconds * 1000;
    this.heldTotal = new WindowSum(this.windowMs);
  }

  /** Admit a connection from `key`, or say which cap refuses it. */
  admit(key: string): AddressBudget | "connections_total" | "connections_per_address" {
    if (this.connections >= this.limits.maxConnections) return "connections_total";
    const budget = this.get(key);
    if (budget.connections >= this.limits.maxConnectionsPerAddress) return "connections_per_address";
    budget.connections++;
    this.connections++;
    return budget;
  }

  leave(budget: AddressBudget): void {
    budget.connections--;
    this.connections--;
  }

  /**
   * Reserve room for a blob that may be held: the reservation if it fits, else the refusal.
   * The reservation is given back (`unhold`) unless the store holds the blob (`keep`).
   */
  hold(budget: AddressBudget, blobBytes: number): Reservation | Refusal {
    const now = this.clock.now();
    const cost = blobBytes + HELD_OVERHEAD_BYTES;
    const l = this.limits;
    const held = (budget.held ??= new WindowSum(this.windowMs));
    if (held.total(now) + cost > l.maxHeldBytesPerAddress) {
      return { code: "held_bytes_limited", limit: "held_bytes_per_address", message: `this address has ${l.maxHeldBytesPerAddress} bytes waiting for absent recipients; wait for them to be read or expire` };
    }
    if (this.heldTotal.total(now) + cost > l.maxHeldBytes) {
      return { code: "relay_full", limit: "held_bytes_total", message: "the relay holds as much as it may for absent recipients; try again later" };
    }
    held.add(now, cost);
    this.heldTotal.add(now, cost);
    return { budget, cost, at: now };
  }

  /** Give back a reservation whose blob was delivered at once (or refused by the store). */
  unhold(r: Reservation): void {
    r.budget.held?.remove(r.at, r.cost);
    this.heldTotal.remove(r.at, r.cost);
  }

  /**
   * The store holds the blob under `heldAt` (its mailbox and recipient side): when this relay
   * hands it out (`taken`), the reservation is given back, so an address's budget counts what
   * it has waiting rather than all it posted within one TTL, and a pairing's addresses are
   * forgotten soon after it instead of a TTL later. A blob read through another relay instance
   * (Redis) is not seen here: its reservation leaves the window with the TTL, as it expires.
   */
  keep(r: Reservation, heldAt: string): void {
    const list = this.heldHere.get(heldAt);
    if (list) list.push(r);
    else this.heldHere.set(heldAt, [r]);
  }

  /** `count` blobs held under `heldAt` were handed out here, oldest first. */
  taken(heldAt: string, count: number): void {
    const list = this.heldHere.get(heldAt);
    if (!list) return;
    const now = this.clock.now();
    // Reservations a TTL old belong to blobs the store dropped unread; they left the window.
    let from = 0;
    while (from < list.length && now - list[from]!.at >= this.windowMs) from++;
    const to = Math.min(list.length, from + count);
    for (let i = from; i < to; i++) this.unhold(list[i]!);
    if (to === list.length) this.heldHere.delete(heldAt);
    else list.splice(0, to);
  }

  /** Forget addresses with no connection whose budgets have nothing left to remember. */
  sweep(): void {
    const now = this.clock.now();
    for (const [key, b] of this.byAddress) {
      if (b.connections === 0 && (b.held === undefined || b.held.total(now) <= 0) && b.claims.full(now) && b.failedJoins.full(now) && b.mailboxes.full(now)) this.byAddress.delete(key);
    }
    for (const [heldAt, list] of this.heldHere) if (now - list[list.length - 1]!.at >= this.windowMs) this.heldHere.delete(heldAt);
  }

  /** Addresses remembered right now (connected, or with budget still spent). */
  size(): number {
    return this.byAddress.size;
  }

  private get(key: string): AddressBudget {
    let b = this.byAddress.get(key);
    if (!b) {
      const { clock, limits: l } = this;
      b = {
        key,
        connections: 0,
        claims: new TokenBucket(clock, l.claimsPerSecond, l.claimsBurst),
        failedJoins: new TokenBucket(clock, l.failedJoinsPerMinute / 60, l.failedJoinsBurst),
        mailboxes: new TokenBucket(clock, l.mailboxesPerSecond, l.mailboxesBurst),
        held: undefined,
      };
      this.byAddress.set(key, b);
    }
    return b;
  }
}
