/**
 * One side a connection holds open (host or join of one mailbox): the store's subscriber for it,
 * and where its events wait until the side is fully open.
 */
import type { Side } from "../protocol/rendezvous.js";
import type { RelayConnection } from "./connection.js";
import type { SubscriberSink } from "./context.js";
import type { StoreEvent, Subscriber } from "./store/types.js";

export class Sub implements SubscriberSink, Subscriber {
  /** Set while this side hosts a nameplate nobody has joined yet. */
  nameplate: string | undefined = undefined;
  claimedAt: number;
  lastRefresh: number;
  /** Until the side is fully open, events wait (in `buffer`) to be delivered after the held blobs. */
  opening = true;
  buffer: StoreEvent[] | undefined = undefined;
  closed = false;
  constructor(
    readonly conn: RelayConnection,
    /** Known once the store answers, for a join. */
    public mailbox: string,
    readonly side: Side,
    readonly token: string,
    now: number,
  ) {
    this.claimedAt = this.lastRefresh = now;
  }
  onEvent(event: StoreEvent): void {
    this.conn.onEvent(this, event);
  }
}
