/**
 * The relay's store: the only place relay state lives, so N relay instances sharing one store
 * (Redis) serve one population. The store holds opaque blobs, never looks into them, and lets
 * nothing live past its TTL. Two implementations run one compliance suite
 * (test/relay/store-compliance.ts): memory (embedded default) and Redis.
 *
 * Vocabulary: a mailbox has two sides, "host" and "join". A blob posted by one side is for the
 * other. A side is "present" while some relay holds a live subscriber for it (a presence record
 * with a TTL, refreshed by that relay). Nameplates are small decimal numbers pointing at a mailbox.
 */
import type { Side } from "../../protocol/rendezvous.js";

export type { Side };

/** What travels on a mailbox side's channel between relay instances. */
export type StoreEvent =
  | { readonly kind: "blob"; readonly blob: Uint8Array }
  /** The other side became present. */
  | { readonly kind: "peer" };

export type TakeResult =
  | { readonly ok: true; readonly mailbox: string }
  /** No such nameplate now; "crowded" when a joiner took it within the cool-down. */
  | { readonly ok: false; readonly reason: "not_found" | "crowded" };

export type HoldResult = "held" | "full";

export interface DrainResult {
  /** Held blobs, oldest first; they are gone from the store once returned. */
  readonly blobs: Uint8Array[];
  /** Blobs that expired before anyone came for them (the caller counts them as drops). */
  readonly expired: number;
}

export interface StoreStats {
  readonly heldBlobs: number;
  readonly nameplates: number;
}

export interface RelayStore {
  readonly kind: "memory" | "redis";
  /** Seconds every record lives (blobs, presence, nameplate refresh window). */
  readonly ttlSeconds: number;

  /**
   * Allocate an unused nameplate that is not cooling down, pointing at `mailbox`, with a TTL.
   * Returns undefined when none could be found.
   */
  claimNameplate(mailbox: string): Promise<string | undefined>;
  /** Extend a claimed nameplate's TTL if it still points at `mailbox`. False if it is gone. */
  refreshNameplate(nameplate: string, mailbox: string): Promise<boolean>;
  /** Release a nameplate still pointing at `mailbox`, and start its cool-down (joins: not_found). */
  releaseNameplate(nameplate: string, mailbox: string): Promise<void>;
  /** Take a nameplate for the joining side: removes it (cool-down starts) and returns its mailbox. */
  takeNameplate(nameplate: string): Promise<TakeResult>;

  /** Mark a side present for `token` (an opaque subscriber id), with a TTL. Re-calling refreshes. */
  setPresent(mailbox: string, side: Side, token: string): Promise<void>;
  /** Remove presence only if it still belongs to `token`. */
  clearPresent(mailbox: string, side: Side, token: string): Promise<void>;
  isPresent(mailbox: string, side: Side): Promise<boolean>;

  /** Hold a blob for `side` (the recipient) for at most ttlSeconds. */
  hold(mailbox: string, side: Side, blob: Uint8Array, maxHeld: number): Promise<HoldResult>;
  /** Take every blob held for `side`, oldest first. */
  drain(mailbox: string, side: Side): Promise<DrainResult>;

  /** Deliver an event to every subscriber of `side` on any relay instance. */
  publish(mailbox: string, side: Side, event: StoreEvent): Promise<void>;
  /** Listen for events for `side`. Resolves once the subscription is live. Returns unsubscribe. */
  subscribe(mailbox: string, side: Side, listener: (event: StoreEvent) => void): Promise<() => Promise<void>>;

  stats(): Promise<StoreStats>;
  /** Release connections/timers. Idempotent. Does not need to delete records (they expire). */
  close(): Promise<void>;
}
