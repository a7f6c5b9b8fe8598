/**
 * One client connection: decodes frames, applies the per-connection limits and its address's
 * budgets, and maps the protocol verbs (host, join, open, post, close, ping, turn) onto one
 * store call each. Frames from one connection are handled strictly in order (a queue drained by
 * one async loop), so a side's blobs reach the peer in the order they were posted. Blobs are
 * carried as opaque bytes and never logged.
 */
import type { WebSocket } from "ws";
import { base64urlDecodedLength, decodeBase64url } from "../protocol/base64url.js";
import { decodeClientFrame, encodeFrame, type ClientFrame, type CloseReason, type ErrorCode, type ServerFrame } from "../protocol/relay-frames.js";
import { otherSide, type Side } from "../protocol/rendezvous.js";
import type { AddressBudget } from "./budgets.js";
import { corkForThisTick, currentCorkTurn, type Corkable } from "./cork.js";
import { Sub } from "./side-subscription.js";
import type { RelayContext } from "./context.js";
import { blobFrame, hostedFrame, mailboxReplyFrame, peerFrame, replyFrame } from "./frames.js";
import type { LimitName } from "./metrics.js";
import { TokenBucket } from "./rate.js";
import type { OpenResult, StoreEvent, Subscriber } from "./store/types.js";

/** A socket with more than this unsent is a consumer that does not read: it is closed. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export class RelayConnection {
  readonly openedAt: number;
  lastSeen: number;
  framesIn = 0;
  framesOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  private errorsLeft: number;
  private readonly messages: TokenBucket;
  private readonly subs = new Map<string, Sub>();
  /** Decoded frames waiting for the ones before them (handled strictly in order). */
  private readonly queue: ClientFrame[] = [];
  /** While frames are being handled: settles once the queue is empty. */
  private draining: Promise<void> | undefined = undefined;
  private subCounter = 0;
  private closing = false;
  /** The `corkTurn` in which this connection's socket was last corked. */
  private corkedIn = -1;
  /** The underlying socket, when the WebSocket implementation exposes one to cork. */
  private readonly socket: Corkable | undefined;

  constructor(
    private readonly ctx: RelayContext,
    private readonly ws: WebSocket,
    readonly id: number,
    readonly ip: string,
    readonly budget: AddressBudget,
  ) {
    this.openedAt = this.lastSeen = ctx.clock.now();
    const l = ctx.limits;
    this.errorsLeft = l.errorBudget;
    this.messages = new TokenBucket(ctx.clock, l.messagesPerSecond, l.messagesBurst);
    // `ws` has no public handle on its socket; without one (another implementation) nothing is corked.
    const socket = (ws as unknown as { _socket?: Partial<Corkable> })._socket;
    this.socket = typeof socket?.cork === "function" && typeof socket.uncork === "function" ? (socket as Corkable) : undefined;
    this.sendText(ctx.welcome);
  }

  /** Raw WebSocket message in. Never throws. */
  receive(data: Buffer, isBinary: boolean): void {
    if (this.closing) return;
    this.lastSeen = this.ctx.clock.now();
    this.framesIn++;
    this.bytesIn += data.length;
    this.ctx.metrics.framesIn++;
    // Every frame spends a token, good or bad; the refusal names the request id when it can.
    const allowed = this.messages.take();
    if (isBinary) return this.bad(null, "binary frames are not accepted; send JSON text frames", data.length);
    if (data.length > this.ctx.maxFrameBytes) return this.refuse(null, "too_large", `frame larger than ${this.ctx.maxFrameBytes} bytes`, "blob_size");
    const decoded = decodeClientFrame(data.toString("utf8"));
    if (!allowed) return this.refuse(decoded.ok ? decoded.frame.r : decoded.r, "rate_limited", "too many frames per second", "messages_per_second");
    if (!decoded.ok) return this.bad(decoded.r, decoded.reason, data.length);
    // The rate limit above bounds how much can queue here.
    this.queue.push(decoded.frame);
    this.draining ??= this.drain();
  }

  /** Handles queued frames one after the other, each once the one before it is done. */
  private async drain(): Promise<void> {
    await undefined; // never inside the socket's 'message' event: a later microtask, as ever
    for (let frame = this.queue.shift(); frame !== undefined; frame = this.queue.shift()) {
      try {
        const handled = this.handle(frame);
        if (handled) await handled;
      } catch (error) {
        this.storeFailed(frame, error);
      }
    }
    this.draining = undefined;
  }

  private storeFailed(frame: ClientFrame, error: unknown): void {
    // The error's name only: a store error message could echo a command and its arguments.
    this.ctx.log({ ev: "store.error", conn: this.id, op: frame.t, error: error instanceof Error ? error.name : "unknown" });
    this.sendError(frame.r, "internal", "the relay's store failed; try again");
  }

  /** A promise for the verbs that ask the store; the others are done when it returns. */
  private handle(frame: ClientFrame): Promise<void> | void {
    if (this.closing) return;
    switch (frame.t) {
      case "ping":
        return this.sendText(replyFrame("pong", frame.r));
      case "host":
        return this.host(frame.r);
      case "join":
        return this.join(frame.r, frame.nameplate);
      case "open":
        return this.open(frame.r, frame.m, frame.side);
      case "post":
        return this.post(frame.r, frame.m, frame.b);
      case "close":
        return this.close(frame.r, frame.m);
      case "turn":
        return this.turn(frame.r);
    }
  }

  private async close(r: number, mb: string): Promise<void> {
    const sub = this.subs.get(mb);
    if (!sub) return this.refuse(r, "not_open", "mailbox is not open on this connection");
    await this.closeSub(sub);
    this.sendText(replyFrame("ok", r));
  }

  /** Per-connection caps and the address's mailbox budget, before any side is opened. */
  private canOpen(r: number): boolean {
    if (this.subs.size >= this.ctx.limits.maxMailboxesPerConnection) {
      this.refuse(r, "too_many_mailboxes", `at most ${this.ctx.limits.maxMailboxesPerConnection} mailboxes per connection`, "mailboxes_per_connection");
      return false;
    }
    if (!this.budget.mailboxes.take()) {
      this.refuse(r, "mailbox_rate_limited", "this address opens mailboxes too fast; slow down", "mailboxes_per_address");
      return false;
    }
    return true;
  }

  private canClaim(r: number): boolean {
    if (this.budget.claims.take()) return true;
    this.refuse(r, "claim_rate_limited", "this address claims nameplates too fast; slow down", "claims_per_address");
    return false;
  }

  private async host(r: number): Promise<void> {
    let held = 0;
    for (const s of this.subs.values()) if (s.nameplate !== undefined) held++;
    if (held >= this.ctx.limits.maxNameplatesPerConnection) {
      return this.refuse(r, "too_many_nameplates", `at most ${this.ctx.limits.maxNameplatesPerConnection} nameplates per connection`, "nameplates_per_connection");
    }
    if (!this.canClaim(r) || !this.canOpen(r)) return;
    const sub = this.register(this.ctx.newMailboxId(), "host");
    const nameplate = await this.ctx.store.host(sub.mailbox, sub.token);
    if (nameplate === undefined) {
      this.unregister(sub);
      return this.sendError(r, "no_nameplates", "no nameplate is free right now; try again later");
    }
    sub.nameplate = nameplate;
    sub.claimedAt = this.ctx.clock.now();
    this.ctx.metrics.nameplatesClaimed++;
    this.sendText(hostedFrame(r, nameplate, sub.mailbox));
    this.activate(sub, { blobs: [], expired: 0, peerPresent: false });
  }

  private async join(r: number, nameplate: string): Promise<void> {
    if (this.budget.failedJoins?.has() === false) {
      // Out of failed joins: no more guessing from this address until the budget refills.
      return this.refuse(r, "join_rate_limited", "too many joins of nameplates that do not exist from this address; wait a minute", "failed_joins_per_address");
    }
    if (!this.canClaim(r) || !this.canOpen(r)) return;
    // The token is registered before the store call so events racing the reply are buffered.
    const sub = this.register(undefined, "join");
    const joined = await this.ctx.store.join(nameplate, sub.token);
    if (!joined.ok) {
      this.unregister(sub);
      this.ctx.budgets.failedJoin(this.budget);
      return joined.reason === "crowded"
        ? this.refuse(r, "crowded", "that nameplate is taken or was used recently")
        : this.refuse(r, "not_found", "no device is hosting that nameplate");
    }
    this.ctx.metrics.nameplatesJoined++;
    if (this.subs.has(joined.mailbox)) {
      // This connection hosts it: the side it just opened is given up again.
      this.unregister(sub);
      // A side left open expires with the store's TTL; the refusal below is the answer.
      void this.ctx.store.leave(joined.mailbox, "join", sub.token, undefined).catch((e: unknown) => this.storeLost("leave", e));
      return this.refuse(r, "crowded", "this connection hosts that nameplate");
    }
    sub.mailbox = joined.mailbox;
    this.subs.set(joined.mailbox, sub);
    this.sendText(mailboxReplyFrame("joined", r, joined.mailbox));
    this.activate(sub, joined);
  }

  private async open(r: number, mb: string, side: Side): Promise<void> {
    const existing = this.subs.get(mb);
    if (existing) {
      if (existing.side === side) return this.sendText(mailboxReplyFrame("opened", r, mb));
      return this.refuse(r, "crowded", "this connection already holds the other side of that mailbox");
    }
    if (!this.canOpen(r)) return;
    const sub = this.register(mb, side);
    const opened = await this.ctx.store.open(mb, side, sub.token);
    this.sendText(mailboxReplyFrame("opened", r, mb));
    this.activate(sub, opened);
  }

  private async post(r: number, mb: string, b64: string): Promise<void> {
    const sub = this.subs.get(mb);
    if (!sub) return this.refuse(r, "not_open", "open the mailbox before posting to it");
    const { limits, metrics, store } = this.ctx;
    const max = limits.maxBlobBytes;
    const size = base64urlDecodedLength(b64.length);
    if (size > max) return this.refuse(r, "too_large", `blob larger than ${max} bytes`, "blob_size");
    // Reserved before decoding (a flood is refused without the work) and before the store
    // decides (one round trip per post); given back unless the blob is held, and when a held
    // blob is handed out by this relay (`activate`).
    const reserved = this.ctx.budgets.hold(this.budget, Math.max(0, size));
    if ("code" in reserved) return this.refuse(r, reserved.code, reserved.message, reserved.limit);
    const blob = size < 0 ? undefined : decodeBase64url(b64);
    if (!blob) {
      this.ctx.budgets.unhold(reserved);
      return this.bad(r, "field `b` is not base64url (RFC 4648 §5, no padding)", b64.length);
    }
    metrics.blobsPosted++;
    const to = otherSide(sub.side);
    const res = await store.post(mb, to, blob, limits.maxHeldPerMailbox);
    if (res.status === "held") this.ctx.budgets.keep(reserved, mb, to);
    else this.ctx.budgets.unhold(reserved);
    if (res.status !== "delivered" && res.expired > 0) metrics.drop("expired", res.expired);
    if (res.status === "full") {
      metrics.drop("mailbox_full");
      return this.refuse(r, "mailbox_full", `the recipient is away and ${limits.maxHeldPerMailbox} blobs are already waiting`, "held_per_mailbox");
    }
    if (res.status === "held") metrics.blobsHeldTotal++;
    this.sendText(replyFrame("ok", r));
  }

  private turn(r: number): void {
    const minter = this.ctx.turn;
    if (!minter) return this.refuse(r, "no_turn", "this relay is not configured with a TURN server");
    // Only for someone pairing or paired here: a nameplate or mailbox open on this connection.
    if (this.subs.size === 0) return this.refuse(r, "not_open", "open a mailbox (host, join or open) before asking for TURN credentials");
    this.ctx.metrics.turnCredentials++;
    this.send({ t: "turn", r, ...minter.mint() });
  }

  /** A new subscriber, known to the instance's event routing before the store is asked. */
  private register(mb: string | undefined, side: Side): Sub & { mailbox: string } {
    const sub = new Sub(this, mb ?? "", side, `${this.ctx.instanceId}.${this.id}.${++this.subCounter}`, this.ctx.clock.now());
    if (mb !== undefined) this.subs.set(mb, sub);
    this.ctx.subscribers.set(sub.token, sub);
    this.ctx.metrics.mailboxesOpen++;
    return sub as Sub & { mailbox: string };
  }

  private unregister(sub: Sub): void {
    if (sub.closed) return;
    sub.closed = true;
    if (this.subs.get(sub.mailbox) === sub) this.subs.delete(sub.mailbox);
    this.ctx.subscribers.delete(sub.token);
    this.ctx.metrics.mailboxesOpen--;
  }

  /** Deliver what was held, then what arrived meanwhile, then `peer` if the other side is there. */
  private activate(sub: Sub, opened: OpenResult): void {
    const { metrics } = this.ctx;
    if (opened.expired > 0) metrics.drop("expired", opened.expired);
    if (opened.blobs.length > 0) this.ctx.budgets.taken(sub.mailbox, sub.side, opened.blobs.length);
    for (const blob of opened.blobs) this.deliver(sub, blob);
    const buffered = sub.buffer;
    sub.buffer = undefined;
    sub.opening = false;
    if (buffered) for (const e of buffered) this.onEvent(sub, e);
    if (!sub.closed && opened.peerPresent) this.onEvent(sub, { kind: "peer" });
  }

  onEvent(sub: Sub, e: StoreEvent): void {
    if (sub.closed || this.closing) return;
    if (sub.opening) {
      (sub.buffer ??= []).push(e);
      return;
    }
    if (e.kind === "blob") return this.deliver(sub, e.blob);
    if (e.kind === "replaced") {
      // A newer opener holds the side now: the store already points at it, so no leave.
      this.unregister(sub);
      this.send({ t: "closed", m: sub.mailbox, reason: "replaced" });
      return;
    }
    // The joiner took the nameplate out of the store; it is no longer ours to release.
    sub.nameplate = undefined;
    this.sendText(peerFrame(sub.mailbox));
  }

  private deliver(sub: Sub, blob: Uint8Array): void {
    this.ctx.metrics.blobsDelivered++;
    this.sendText(blobFrame(sub.mailbox, blob));
  }

  /** A store call that failed where nobody waits for it: logged by name (never a payload). */
  private storeLost(op: string, e: unknown): void {
    this.ctx.log({ ev: "store.error", conn: this.id, op, error: e instanceof Error ? e.name : "unknown" });
  }

  /** `closeSub` where nobody waits for the answer: what the store could not release expires with its TTL; the failure is logged (names only). */
  private closeSubQuietly(sub: Sub, reason?: CloseReason): Promise<void> {
    return this.closeSub(sub, reason).catch((e: unknown) => this.storeLost("leave", e));
  }

  private async closeSub(sub: Sub, reason?: CloseReason): Promise<void> {
    if (sub.closed) return;
    const nameplate = sub.nameplate;
    sub.nameplate = undefined;
    this.unregister(sub);
    if (reason) this.send({ t: "closed", m: sub.mailbox, reason });
    await this.ctx.store.leave(sub.mailbox, sub.side, sub.token, nameplate);
  }

  /**
   * Housekeeping from the server tick: idle timeout and nameplate lifetime; returns the
   * subscribers whose presence (and nameplate) are due for a refresh, batched by the server.
   */
  tick(now: number, due: Subscriber[]): void {
    const { limits, timings, store } = this.ctx;
    if (now - this.lastSeen >= limits.idleTimeoutMs) {
      this.ctx.metrics.limit("idle_timeout");
      this.ctx.log({ ev: "limit", conn: this.id, limit: "idle_timeout" });
      void this.shutdown("idle", 1000);
      return;
    }
    const refreshEvery = (store.ttlSeconds * 1000) / 3;
    for (const sub of this.subs.values()) {
      if (sub.nameplate !== undefined && now - sub.claimedAt >= timings.nameplateLifetimeMs) {
        void this.closeSubQuietly(sub, "nameplate_expired");
        continue;
      }
      if (now - sub.lastRefresh < refreshEvery) continue;
      sub.lastRefresh = now;
      due.push(sub);
    }
  }

  /** Tell the client why, release everything, close the socket. */
  async shutdown(reason: CloseReason, code: number): Promise<void> {
    if (this.closing) return;
    this.send({ t: "bye", reason });
    this.closing = true;
    this.ws.close(code, reason);
    await this.release();
  }

  /** Socket is gone: release presence and nameplates. Idempotent. */
  async release(): Promise<void> {
    this.closing = true;
    if (this.draining) await this.draining;
    if (this.subs.size === 0) return;
    if (this.subs.size === 1) {
      // The usual case (one pairing per connection), without an array and Promise.all around it.
      return this.closeSubQuietly(this.subs.values().next().value!);
    }
    const left = [...this.subs.values()];
    await Promise.all(left.map((sub) => this.closeSubQuietly(sub)));
  }

  private send(frame: ServerFrame): void {
    this.sendText(encodeFrame(frame));
  }

  /** One encoded frame out (src/relay/frames.ts writes the common ones without JSON.stringify). */
  private sendText(text: string): void {
    if (this.closing || this.ws.readyState !== 1) return;
    if (this.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.ctx.metrics.limit("send_buffer");
      void this.shutdown("slow_consumer", 1008);
      return;
    }
    this.framesOut++;
    this.bytesOut += text.length;
    this.ctx.metrics.framesOut++;
    this.cork();
    this.ws.send(text);
  }

  /**
   * Frames sent to this client in one turn of the event loop (a reply, held blobs, `peer`) leave
   * in one write: the socket is corked at the first and uncorked on the next tick.
   */
  private cork(): void {
    const turn = currentCorkTurn();
    if (this.corkedIn === turn || !this.socket) return;
    this.corkedIn = turn;
    corkForThisTick(this.socket);
  }

  private sendError(r: number | null, code: ErrorCode, message: string): void {
    this.send({ t: "error", r, code, message });
  }

  /** A malformed frame: error frame, counted, spends the error budget. Never logs content. */
  private bad(r: number | null, reason: string, bytes: number): void {
    this.ctx.metrics.badFrames++;
    this.ctx.log({ ev: "bad_frame", conn: this.id, bytes });
    this.sendError(r, "bad_frame", reason);
    this.spend();
  }

  /** A well-formed request refused (limit or state): error frame, spends the error budget. */
  private refuse(r: number | null, code: ErrorCode, message: string, limit?: LimitName): void {
    if (limit) {
      this.ctx.metrics.limit(limit);
      this.ctx.log({ ev: "limit", conn: this.id, limit });
    }
    this.sendError(r, code, message);
    this.spend();
  }

  private spend(): void {
    if (--this.errorsLeft > 0) return;
    this.ctx.metrics.limit("error_budget");
    this.ctx.log({ ev: "limit", conn: this.id, limit: "error_budget" });
    void this.shutdown("error_budget", 1008);
  }
}
