/**
 * One client connection: decodes frames, applies the per-connection limits, and maps the
 * protocol verbs (host, join, open, post, close, ping) onto the store. Frames from one
 * connection are handled strictly in order (a promise chain), so a side's blobs reach the
 * peer in the order they were posted. Blobs are carried as opaque bytes and never logged.
 */
import type { WebSocket } from "ws";
import { decodeBase64url, encodeBase64url } from "../protocol/base64url.js";
import type { RelayContext } from "./context.js";
import type { LimitName } from "./metrics.js";
import { tokenBucket, type TokenBucket } from "./rate.js";
import type { StoreEvent } from "./store/types.js";
import { decodeClientFrame, encodeFrame, type ClientFrame, type CloseReason, type ErrorCode, type ServerFrame } from "../protocol/relay-frames.js";
import { otherSide, type Side } from "../protocol/rendezvous.js";

/** A socket with more than this unsent is a consumer that does not read: it is closed. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

interface Sub {
  readonly mb: string;
  readonly side: Side;
  readonly token: string;
  unsubscribe: (() => Promise<void>) | undefined;
  /** Set while this side hosts a nameplate nobody has joined yet. */
  nameplate: string | undefined;
  claimedAt: number;
  lastRefresh: number;
  /** Events that arrive before the side is fully open are delivered after the held blobs. */
  buffer: StoreEvent[] | undefined;
  closed: boolean;
}


export class RelayConnection {
  readonly id: number;
  readonly ip: string;
  readonly openedAt: number;
  lastSeen: number;
  framesIn = 0;
  framesOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  private errorsLeft: number;
  private readonly messages: TokenBucket;
  private readonly claims: TokenBucket;
  private readonly subs = new Map<string, Sub>();
  private chain: Promise<void> = Promise.resolve();
  private subCounter = 0;
  private closing = false;

  constructor(
    private readonly ctx: RelayContext,
    private readonly ws: WebSocket,
    id: number,
    ip: string,
  ) {
    this.id = id;
    this.ip = ip;
    this.openedAt = this.lastSeen = ctx.clock.now();
    const l = ctx.limits;
    this.errorsLeft = l.errorBudget;
    this.messages = tokenBucket(ctx.clock, l.messagesPerSecond, l.messagesBurst);
    this.claims = tokenBucket(ctx.clock, l.claimsPerSecond, l.claimsBurst);
    this.send({
      t: "welcome",
      v: 1,
      limits: { maxBlobBytes: l.maxBlobBytes, idleTimeoutMs: l.idleTimeoutMs, messagesPerSecond: l.messagesPerSecond },
    });
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
    const frame = decoded.frame;
    // The rate limit above bounds how much can queue here.
    this.chain = this.chain
      .then(() => this.handle(frame))
      .catch((error: unknown) => {
        this.ctx.log({ ev: "store.error", conn: this.id, op: frame.t, error: error instanceof Error ? error.name : "unknown" });
        this.sendError("r" in frame ? frame.r : null, "internal", "the relay's store failed; try again");
      });
  }

  private async handle(frame: ClientFrame): Promise<void> {
    if (this.closing) return;
    switch (frame.t) {
      case "ping":
        return this.send({ t: "pong", r: frame.r });
      case "host":
        return this.host(frame.r);
      case "join":
        return this.join(frame.r, frame.nameplate);
      case "open":
        return this.open(frame.r, frame.m, frame.side);
      case "post":
        return this.post(frame.r, frame.m, frame.b);
      case "close": {
        const sub = this.subs.get(frame.m);
        if (!sub) return this.refuse(frame.r, "not_open", "mailbox is not open on this connection");
        await this.closeSub(sub);
        return this.send({ t: "ok", r: frame.r });
      }
    }
  }

  private canOpen(r: number): boolean {
    if (this.subs.size >= this.ctx.limits.maxMailboxesPerConnection) {
      this.refuse(r, "too_many_mailboxes", `at most ${this.ctx.limits.maxMailboxesPerConnection} mailboxes per connection`, "mailboxes_per_connection");
      return false;
    }
    return true;
  }

  private async host(r: number): Promise<void> {
    if (!this.claims.take()) return this.refuse(r, "claim_rate_limited", "too many nameplate claims per second", "claims_per_second");
    let held = 0;
    for (const s of this.subs.values()) if (s.nameplate !== undefined) held++;
    if (held >= this.ctx.limits.maxNameplatesPerConnection) {
      return this.refuse(r, "too_many_nameplates", `at most ${this.ctx.limits.maxNameplatesPerConnection} nameplates per connection`, "nameplates_per_connection");
    }
    if (!this.canOpen(r)) return;
    const mb = this.ctx.newMailboxId();
    const sub = await this.subscribe(mb, "host");
    const nameplate = await this.ctx.store.claimNameplate(mb);
    if (nameplate === undefined) {
      await this.closeSub(sub);
      return this.sendError(r, "no_nameplates", "no nameplate is free right now; try again later");
    }
    sub.nameplate = nameplate;
    sub.claimedAt = this.ctx.clock.now();
    this.ctx.metrics.nameplatesClaimed++;
    this.send({ t: "hosted", r, nameplate, m: mb });
    await this.activate(sub);
  }

  private async join(r: number, nameplate: string): Promise<void> {
    if (!this.claims.take()) return this.refuse(r, "claim_rate_limited", "too many nameplate claims per second", "claims_per_second");
    if (!this.canOpen(r)) return;
    const taken = await this.ctx.store.takeNameplate(nameplate);
    if (!taken.ok) {
      return taken.reason === "crowded"
        ? this.refuse(r, "crowded", "that nameplate is taken or was used recently")
        : this.refuse(r, "not_found", "no device is hosting that nameplate");
    }
    this.ctx.metrics.nameplatesJoined++;
    if (this.subs.has(taken.mailbox)) return this.refuse(r, "crowded", "this connection hosts that nameplate");
    const sub = await this.subscribe(taken.mailbox, "join");
    this.send({ t: "joined", r, m: taken.mailbox });
    await this.activate(sub);
  }

  private async open(r: number, mb: string, side: Side): Promise<void> {
    const existing = this.subs.get(mb);
    if (existing) {
      if (existing.side === side) return this.send({ t: "opened", r, m: mb });
      return this.refuse(r, "crowded", "this connection already holds the other side of that mailbox");
    }
    if (!this.canOpen(r)) return;
    const sub = await this.subscribe(mb, side);
    this.send({ t: "opened", r, m: mb });
    await this.activate(sub);
  }

  private async post(r: number, mb: string, b64: string): Promise<void> {
    const sub = this.subs.get(mb);
    if (!sub) return this.refuse(r, "not_open", "open the mailbox before posting to it");
    const max = this.ctx.limits.maxBlobBytes;
    if (b64.length > Math.ceil((max * 4) / 3)) return this.refuse(r, "too_large", `blob larger than ${max} bytes`, "blob_size");
    const blob = decodeBase64url(b64);
    if (!blob) return this.bad(r, "field `b` is not base64url (RFC 4648 §5, no padding)", b64.length);
    if (blob.length > max) return this.refuse(r, "too_large", `blob larger than ${max} bytes`, "blob_size");
    const { store, metrics, limits } = this.ctx;
    const to = otherSide(sub.side);
    metrics.blobsPosted++;
    if (await store.isPresent(mb, to)) {
      await store.publish(mb, to, { kind: "blob", blob });
      return this.send({ t: "ok", r });
    }
    const held = await store.hold(mb, to, blob, limits.maxHeldPerMailbox);
    if (held === "full") {
      metrics.drop("mailbox_full");
      return this.refuse(r, "mailbox_full", `the recipient is away and ${limits.maxHeldPerMailbox} blobs are already waiting`, "held_per_mailbox");
    }
    metrics.blobsHeldTotal++;
    // The recipient may have opened between our presence check and the hold, and drained
    // before the blob landed: hand it over now. Drain is atomic, so nothing is delivered twice.
    if (await store.isPresent(mb, to)) {
      const { blobs } = await store.drain(mb, to);
      for (const blob of blobs) await store.publish(mb, to, { kind: "blob", blob });
    }
    this.send({ t: "ok", r });
  }

  /** Subscribe and mark present; events are buffered until `activate`. */
  private async subscribe(mb: string, side: Side): Promise<Sub> {
    this.ctx.replaceLocal(mb, side, this);
    const now = this.ctx.clock.now();
    const sub: Sub = {
      mb,
      side,
      token: `${this.ctx.instanceId}.${this.id}.${++this.subCounter}`,
      unsubscribe: undefined,
      nameplate: undefined,
      claimedAt: now,
      lastRefresh: now,
      buffer: [],
      closed: false,
    };
    this.subs.set(mb, sub);
    this.ctx.metrics.mailboxesOpen++;
    sub.unsubscribe = await this.ctx.store.subscribe(mb, side, (e) => this.onEvent(sub, e));
    await this.ctx.store.setPresent(mb, side, sub.token);
    return sub;
  }

  /** Deliver what was held, then what arrived meanwhile, then tell both sides if they met. */
  private async activate(sub: Sub): Promise<void> {
    const { store, metrics } = this.ctx;
    const { blobs, expired } = await store.drain(sub.mb, sub.side);
    if (expired > 0) metrics.drop("expired", expired);
    for (const blob of blobs) this.deliver(sub, blob);
    const buffered = sub.buffer ?? [];
    sub.buffer = undefined;
    for (const e of buffered) this.onEvent(sub, e);
    if (sub.closed) return;
    const to = otherSide(sub.side);
    if (await store.isPresent(sub.mb, to)) {
      this.onEvent(sub, { kind: "peer" });
      await store.publish(sub.mb, to, { kind: "peer" });
    }
  }

  private onEvent(sub: Sub, e: StoreEvent): void {
    if (sub.closed || this.closing) return;
    if (sub.buffer) {
      sub.buffer.push(e);
      return;
    }
    if (e.kind === "blob") return this.deliver(sub, e.blob);
    // The joiner took the nameplate out of the store; it is no longer ours to release.
    sub.nameplate = undefined;
    this.send({ t: "peer", m: sub.mb });
  }

  private deliver(sub: Sub, blob: Uint8Array): void {
    this.ctx.metrics.blobsDelivered++;
    this.send({ t: "blob", m: sub.mb, b: encodeBase64url(blob) });
  }

  private async closeSub(sub: Sub, reason?: CloseReason): Promise<void> {
    if (sub.closed) return;
    sub.closed = true;
    if (this.subs.get(sub.mb) === sub) this.subs.delete(sub.mb);
    this.ctx.metrics.mailboxesOpen--;
    if (reason) this.send({ t: "closed", m: sub.mb, reason });
    const { store } = this.ctx;
    await sub.unsubscribe?.();
    await store.clearPresent(sub.mb, sub.side, sub.token);
    if (sub.nameplate !== undefined) await store.releaseNameplate(sub.nameplate, sub.mb);
    sub.nameplate = undefined;
  }

  /** Another local connection opened the same side: newest wins, this one is told. */
  replaced(mb: string, side: Side): void {
    const sub = this.subs.get(mb);
    if (sub && sub.side === side) void this.closeSub(sub, "replaced").catch(() => {});
  }

  hasSide(mb: string, side: Side): boolean {
    return this.subs.get(mb)?.side === side;
  }

  /** Housekeeping from the server tick: idle timeout, presence/nameplate refresh and lifetime. */
  async tick(now: number): Promise<void> {
    const { limits, timings, store } = this.ctx;
    if (now - this.lastSeen >= limits.idleTimeoutMs) {
      this.ctx.metrics.limit("idle_timeout");
      this.ctx.log({ ev: "limit", conn: this.id, limit: "idle_timeout" });
      return this.shutdown("idle", 1000);
    }
    const refreshEvery = (store.ttlSeconds * 1000) / 3;
    for (const sub of [...this.subs.values()]) {
      if (sub.nameplate !== undefined && now - sub.claimedAt >= timings.nameplateLifetimeMs) {
        await this.closeSub(sub, "nameplate_expired");
        continue;
      }
      if (now - sub.lastRefresh < refreshEvery) continue;
      sub.lastRefresh = now;
      await store.setPresent(sub.mb, sub.side, sub.token);
      if (sub.nameplate !== undefined) await store.refreshNameplate(sub.nameplate, sub.mb);
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

  /** Socket is gone: release subscriptions, presence and nameplates. Idempotent. */
  async release(): Promise<void> {
    this.closing = true;
    await this.chain.catch(() => {});
    for (const sub of [...this.subs.values()]) await this.closeSub(sub).catch(() => {});
  }

  private send(frame: ServerFrame): void {
    if (this.closing || this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.ctx.metrics.limit("send_buffer");
      void this.shutdown("slow_consumer", 1008);
      return;
    }
    const text = encodeFrame(frame);
    this.framesOut++;
    this.bytesOut += text.length;
    this.ctx.metrics.framesOut++;
    this.ws.send(text);
  }

  private sendError(r: number | null, code: ErrorCode, message: string): void {
    this.send({ t: "error", r, code, message });
  }

  /** A malformed frame: error frame, counted, spends the error budget. */
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
