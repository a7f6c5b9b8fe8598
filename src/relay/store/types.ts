/**
 * The relay's store: the only place relay state lives, so N relay instances sharing one store
 * (Redis) serve one population. The store holds opaque blobs, never looks into them, and lets
 * nothing live past its TTL. Two implementations run one compliance suite
 * (test/relay/store-compliance.ts): memory (embedded default) and Redis.
 *
 * One store call per client request (docs/relay.md "Scaling out with Redis"): each verb below
 * is one atomic step — one Lua script on Redis — so a pairing costs a handful of round trips
 * and two relays never interleave a claim, a take or a hold.
 *
 * Vocabulary: a mailbox has two sides, "host" and "join". A blob posted by one side is for the
 * other. A side is "present" while a subscriber holds it: a presence record carrying the
 * subscriber's token, with a TTL its relay refreshes. A token is `<instanceId>.<rest>`: events
 * for a subscriber are routed to the instance named in its token (one channel per instance, no
 * per-mailbox subscriptions). Nameplates are small decimal numbers pointing at a mailbox.
 */
import type { Side } from "../../protocol/rendezvous.js";

export type { Side };

/** What a subscriber is told. */
export type StoreEvent =
  | { readonly kind: "blob"; readonly blob: Uint8Array }
  /** The other side became present. */
  | { readonly kind: "peer" }
  /** A newer opener took this side (on any instance): newest wins. */
  | { readonly kind: "replaced" };

/** Receives the events for every token of one relay instance. */
export type StoreDelivery = (token: string, event: StoreEvent) => void;

export interface OpenResult {
  /** Blobs held for the side that opened, oldest first; gone from the store once returned. */
  readonly blobs: Uint8Array[];
  /** Held blobs that expired before anyone came for them (counted as drops). */
  readonly expired: number;
  /** The other side is present (it has been told `peer`). */
  readonly peerPresent: boolean;
}

export type JoinResult =
  | ({ readonly ok: true; readonly mailbox: string } & OpenResult)
  /** No such nameplate now; "crowded" when a joiner took it recently. */
  | { readonly ok: false; readonly reason: "not_found" | "crowded" };

export type PostResult =
  /** Handed to the recipient's subscriber (on whichever instance holds it). */
  | { readonly status: "delivered" }
  /** Recipient away: kept for at most ttlSeconds. `expired` older blobs were found dead. */
  | { readonly status: "held"; readonly expired: number }
  | { readonly status: "full"; readonly expired: number };

/** A live subscriber, as the relay refreshes it. */
export interface Subscriber {
  readonly mailbox: string;
  readonly side: Side;
  readonly token: string;
  /** Set while the subscriber hosts a nameplate nobody has joined yet. */
  readonly nameplate: string | undefined;
}

export interface StoreStats {
  readonly heldBlobs: number;
  readonly nameplates: number;
}

export interface RelayStore {
  readonly kind: "memory" | "redis";
  /** Seconds every record lives (blobs, presence, nameplate refresh window). */
  readonly ttlSeconds: number;

  /** Route events for tokens of `instanceId` to `deliver`. Resolves once events can arrive. */
  attach(instanceId: string, deliver: StoreDelivery): Promise<void>;

  /** A new mailbox: claim a free nameplate for it (O(1)) and make its host side present. */
  host(mailbox: string, token: string): Promise<string | undefined>;
  /** Take a hosted nameplate (its cool-down starts) and open the join side of its mailbox. */
  join(nameplate: string, token: string): Promise<JoinResult>;
  /** Open a side: present for `token` (an older opener is told `replaced`), take what was held, tell the other side `peer`. */
  open(mailbox: string, side: Side, token: string): Promise<OpenResult>;
  /** Deliver to the other side's subscriber if present, else hold (at most `maxHeld` per side). */
  post(mailbox: string, to: Side, blob: Uint8Array, maxHeld: number): Promise<PostResult>;
  /** Leave a side: presence cleared if still `token`'s; an unjoined `nameplate` is released (cool-down). */
  leave(mailbox: string, side: Side, token: string, nameplate: string | undefined): Promise<void>;
  /** Keep live subscribers' presence and nameplates from expiring (one batch). */
  refresh(subscribers: readonly Subscriber[]): Promise<void>;

  stats(): Promise<StoreStats>;
  /** Release connections/timers. Idempotent. Does not need to delete records (they expire). */
  close(): Promise<void>;
}

/** The instance a token belongs to. */
export function tokenInstance(token: string): string {
  const dot = token.indexOf(".");
  return dot < 0 ? token : token.slice(0, dot);
}
