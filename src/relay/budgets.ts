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
import { SIDES, type Side } from "../protocol/rendezvous.js";
import { TimedFifo } from "./fifo.js";
import type { LimitName } from "./metrics.js";
import type { RelayLimits } from "./options.js";
import { TokenBucket, WindowSum } from "./rate.js";

/** Bytes charged per held blob on top of its length (the store's record around it). */
export const HELD_OVERHEAD_BYTES = 256;

export interface AddressBudget {
  readonly key: string;
  connections: number;
  readonly claims: TokenBucket;
  /** Created on the first failed join: most addresses never have one. */
  failedJoins: TokenBucket | undefined;
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
  /** Reservations of blobs held for absent recipients, by the side they wait for and mailbox, oldest first. */
  private readonly heldHere: Record<Side, Map<string, Reservation[]>> = { host: new Map(), join: new Map() };
  private readonly windowMs: number;
  /**
   * Addresses whose last connection left, looked at again once `quietMs` have passed: a token
   * spent on the usual pairing has come back by then, so most addresses are forgotten a fraction
   * of a second after their pairing — before the young collector promotes their budgets, where
   * the periodic sweep alone kept them for seconds (and made every pairing leave old-generation
   * garbage).
   */
  private readonly quiet = new TimedFifo<AddressBudget>();
  /** Time for one token to come back in the slowest bucket every address uses. */
  private readonly quietMs: number;
  connections = 0;

  constructor(
    private readonly limits: RelayLimits,
    private readonly clock: Clock,
    ttlSeconds: number,
  ) {
    this.windowMs = ttlSeconds * 1000;
    this.heldTotal = new WindowSum(this.windowMs);
    this.quietMs = 1000 / Math.min(limits.claimsPerSecond, limits.mailboxesPerSecond);
  }

  /** Admit a connection from `key`, or say which cap refuses it. */
  admit(key: string): AddressBudget | "connections_total" | "connections_per_address" {
    this.forgetQuiet(this.clock.now());
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
    if (budget.connections === 0) this.quiet.push(this.clock.now() + this.quietMs, budget);
  }

  /** Forget the addresses idle for `quietMs` whose budgets have nothing left to remember. */
  private forgetQuiet(now: number): void {
    for (let b = this.quiet.popReady(now); b !== undefined; b = this.quiet.popReady(now)) {
      // Not yet forgettable (more spent, or back in use): the periodic sweep looks again.
      if (this.byAddress.get(b.key) === b && this.forgettable(b, now)) this.byAddress.delete(b.key);
    }
  }

  private forgettable(b: AddressBudget, now: number): boolean {
    return (
      b.connections === 0 &&
      (b.held === undefined || b.held.total(now) <= 0) &&
      b.claims.full(now) &&
      (b.failedJoins === undefined || b.failedJoins.full(now)) &&
      b.mailboxes.full(now)
    );
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
   * The store holds the blob for `side` of `mailbox` (the recipient): when this relay
   * hands it out (`taken`), the reservation is given back, so an address's budget counts what
   * it has waiting rather than all it posted within one TTL, and a pairing's addresses are
   * forgotten soon after it instead of a TTL later. A blob read through another relay instance
   * (Redis) is not seen here: its reservation leaves the window with the TTL, as it expires.
   */
  keep(r: Reservation, mailbox: string, side: Side): void {
    const held = this.heldHere[side];
    const list = held.get(mailbox);
    if (list) list.push(r);
    else held.set(mailbox, [r]);
  }

  /** `count` blobs held for `side` of `mailbox` were handed out here, oldest first. */
  taken(mailbox: string, side: Side, count: number): void {
    const held = this.heldHere[side];
    const list = held.get(mailbox);
    if (!list) return;
    const now = this.clock.now();
    // Reservations a TTL old belong to blobs the store dropped unread; they left the window.
    let from = 0;
    while (from < list.length && now - list[from]!.at >= this.windowMs) from++;
    const to = Math.min(list.length, from + count);
    for (let i = from; i < to; i++) this.unhold(list[i]!);
    if (to === list.length) held.delete(mailbox);
    else list.splice(0, to);
  }

  /** Forget addresses with no connection whose budgets have nothing left to remember. */
  sweep(): void {
    const now = this.clock.now();
    this.forgetQuiet(now);
    for (const [key, b] of this.byAddress) if (this.forgettable(b, now)) this.byAddress.delete(key);
    for (const side of SIDES) {
      const held = this.heldHere[side];
      for (const [mailbox, list] of held) if (now - list[list.length - 1]!.at >= this.windowMs) held.delete(mailbox);
    }
  }

  /** Spend one of the address's failed joins (a join that found no nameplate). */
  failedJoin(budget: AddressBudget): void {
    const l = this.limits;
    (budget.failedJoins ??= new TokenBucket(this.clock, l.failedJoinsPerMinute / 60, l.failedJoinsBurst)).take();
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
        failedJoins: undefined,
        mailboxes: new TokenBucket(clock, l.mailboxesPerSecond, l.mailboxesBurst),
        held: undefined,
      };
      this.byAddress.set(key, b);
    }
    return b;
  }
}
