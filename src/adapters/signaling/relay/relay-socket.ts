/**
 * The client's single WebSocket to the relay: connects lazily, correlates requests with
 * replies by `r`, routes mailbox frames to sessions, keeps the connection alive with pings
 * under the relay's idle timeout, and reconnects with capped, jittered exponential backoff.
 * Every frame from the relay is decoded by the relay wire Schema: a malformed frame is counted
 * and ignored, never trusted. After a reconnect the owner re-opens its mailboxes.
 */
import type { Clock } from "../../../clock.js";
import { decodeServerFrame, encodeFrame, type ClientFrame, type ErrorCode, type ServerFrame } from "../../../protocol/relay-frames.js";

/** The subset of the WHATWG WebSocket that both browsers and the `ws` package provide. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface LinkOptions {
  readonly url: string;
  readonly WebSocket: () => Promise<WebSocketConstructor>;
  /** Request timeouts, pings and reconnect backoff all run on this clock. */
  readonly clock: Clock;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  readonly requestTimeoutMs: number;
  /** Uniform in [0, 1): the backoff's jitter. */
  readonly random: () => number;
}

/** A client frame before the link assigns its request id. */
export type Request = ClientFrame extends infer F ? (F extends { r: number } ? Omit<F, "r"> : never) : never;

export type Reply = Exclude<ServerFrame, { t: "welcome" | "peer" | "blob" | "closed" | "bye" }>;
export type MailboxFrame = Extract<ServerFrame, { t: "peer" | "blob" | "closed" }>;

export class RequestFailed extends Error {
  constructor(
    readonly code: ErrorCode | "closed" | "timeout",
    message: string,
  ) {
    super(message);
  }
}

interface Pending {
  /** Runs synchronously on the reply, before any later frame is routed (session registration). */
  onReply: ((frame: Reply) => void) | undefined;
  resolve(frame: Reply): void;
  reject(error: RequestFailed): void;
  timer: unknown;
}

export class RelayLink {
  maxBlobBytes = 64 * 1024;
  /** Malformed frames received from the relay (ignored). */
  badFrames = 0;
  reconnects = 0;
  private ws: WebSocketLike | undefined;
  private connected = false;
  private connecting: Promise<void> | undefined;
  private waiters: { resolve(): void; reject(e: RequestFailed): void; failFast: boolean }[] = [];
  private pending = new Map<number, Pending>();
  private nextR = 1;
  private attempt = 0;
  private retryTimer: unknown;
  private pingTimer: unknown;
  private pingEveryMs = 30_000;
  private closed = false;
  private hangUpWhenDrained = false;

  constructor(
    private readonly options: LinkOptions,
    private readonly onMailboxFrame: (frame: MailboxFrame) => void,
    /** After a reconnect, before queued requests run: re-open mailboxes. */
    private readonly onReconnect: () => void,
    /** Whether anything needs the link to come back after it drops. */
    private readonly wanted: () => boolean,
  ) {}

  /** Send a request and await its reply (or an error frame as RequestFailed). */
  async request(frame: Request, failFast = false, onReply?: (frame: Reply) => void): Promise<Reply> {
    // Connected: put the frame on the wire synchronously, so frames leave in call order (a
    // send() followed at once by close() must reach the relay as post, then close).
    if (!this.connected || this.ws?.readyState !== 1) await this.ready(failFast);
    return this.requestNow(frame, onReply);
  }

  /** Send on the current connection without waiting for (re)connection. */
  requestNow(frame: Request, onReply?: (frame: Reply) => void, timeoutMs = this.options.requestTimeoutMs): Promise<Reply> {
    const ws = this.ws;
    if (!ws || !this.connected || ws.readyState !== 1) return Promise.reject(new RequestFailed("closed", "not connected to the relay"));
    const r = this.nextR++ & 0x7fffffff;
    return new Promise<Reply>((resolve, reject) => {
      const timer = this.options.clock.setTimeout(() => {
        this.pending.delete(r);
        reject(new RequestFailed("timeout", `relay did not answer within ${timeoutMs} ms`));
        this.settled();
      }, timeoutMs);
      this.pending.set(r, { onReply, resolve, reject, timer });
      ws.send(encodeFrame({ ...frame, r } as ClientFrame));
    });
  }

  private ready(failFast: boolean): Promise<void> {
    if (this.closed) return Promise.reject(new RequestFailed("closed", "signaling is closed"));
    if (this.connected) return Promise.resolve();
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject, failFast }));
    if (!this.connecting && this.retryTimer === undefined) void this.connect();
    return p;
  }

  private connect(): Promise<void> {
    this.connecting = (async () => {
      let Ctor: WebSocketConstructor;
      try {
        Ctor = await this.options.WebSocket();
      } catch {
        return this.failed();
      }
      if (this.closed) return;
      const ws = new Ctor(this.options.url);
      this.ws = ws;
      ws.onmessage = (ev) => this.onMessage(ws, ev.data);
      ws.onerror = () => {}; // an error is always followed by onclose, which fails requests and reconnects
      ws.onclose = () => this.lost(ws);
    })();
    return this.connecting;
  }

  /** The socket is gone (or given up on): fail in-flight requests, then retry if wanted. */
  private lost(ws: WebSocketLike): void {
    if (this.ws !== ws) return;
    this.ws = undefined;
    const was = this.connected;
    this.connected = false;
    this.connecting = undefined;
    this.stopPing();
    for (const [, p] of this.pending) {
      this.options.clock.clearTimeout(p.timer);
      p.reject(new RequestFailed("closed", "connection to the relay was lost"));
    }
    this.pending.clear();
    if (!was) this.failed();
    else this.scheduleRetry();
  }

  private failed(): void {
    this.connecting = undefined;
    // Callers that have nothing to resume learn at once that the relay is unreachable.
    const fast = this.waiters.filter((w) => w.failFast);
    this.waiters = this.waiters.filter((w) => !w.failFast);
    for (const w of fast) w.reject(new RequestFailed("closed", "cannot reach the relay"));
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    if (this.waiters.length === 0 && !this.wanted()) {
      this.attempt = 0;
      return;
    }
    const { backoffInitialMs, backoffMaxMs, random } = this.options;
    const cap = Math.min(backoffMaxMs, backoffInitialMs * 2 ** this.attempt++);
    const delay = cap / 2 + random() * (cap / 2);
    this.retryTimer = this.options.clock.setTimeout(() => {
      this.retryTimer = undefined;
      this.reconnects++;
      void this.connect();
    }, delay);
  }

  private onMessage(ws: WebSocketLike, data: unknown): void {
    // A socket we gave up on (dropped, replaced) may still deliver while it closes — among it the
    // relay's "closed: replaced" for the mailboxes the new socket re-opened: not ours any more.
    if (ws !== this.ws) return;
    if (typeof data !== "string") {
      this.badFrames++;
      return;
    }
    const decoded = decodeServerFrame(data);
    if (!decoded.ok) {
      this.badFrames++;
      return;
    }
    const f = decoded.frame;
    switch (f.t) {
      case "welcome": {
        this.maxBlobBytes = f.limits.maxBlobBytes;
        this.pingEveryMs = Math.max(1000, Math.floor(f.limits.idleTimeoutMs / 3));
        const resumed = this.attempt > 0 || this.reconnects > 0;
        this.connected = true;
        this.connecting = undefined;
        this.attempt = 0;
        this.startPing(ws);
        if (resumed) this.onReconnect();
        const waiters = this.waiters;
        this.waiters = [];
        for (const w of waiters) w.resolve();
        return;
      }
      case "bye":
        // The relay is closing this connection (shutdown, idle, budget); onclose reconnects.
        return;
      case "peer":
      case "blob":
      case "closed":
        return this.onMailboxFrame(f);
      case "error": {
        if (f.r === null) return;
        const p = this.pending.get(f.r);
        if (!p) return;
        this.pending.delete(f.r);
        this.options.clock.clearTimeout(p.timer);
        p.reject(new RequestFailed(f.code, f.message));
        return this.settled();
      }
      default: {
        const p = this.pending.get(f.r);
        if (!p) return;
        this.pending.delete(f.r);
        this.options.clock.clearTimeout(p.timer);
        p.onReply?.(f);
        p.resolve(f);
        this.settled();
      }
    }
  }

  private startPing(ws: WebSocketLike): void {
    this.stopPing();
    this.pingTimer = this.options.clock.setTimeout(() => {
      this.pingTimer = undefined;
      if (this.ws !== ws || !this.connected) return;
      this.probe(ws, this.options.requestTimeoutMs);
      this.startPing(ws);
    }, this.pingEveryMs);
  }

  /**
   * Ping now; a socket that does not answer within `timeoutMs` is half-dead (its network went
   * away without a FIN, so TCP never tells us): drop it and reconnect.
   */
  private probe(ws: WebSocketLike, timeoutMs: number): void {
    this.requestNow({ t: "ping" }, undefined, timeoutMs).catch((e: unknown) => {
      if (e instanceof RequestFailed && e.code === "timeout" && this.ws === ws) this.dropConnection();
    });
  }

  /** The network may have changed: check the socket now, with a short timeout. */
  checkNow(timeoutMs: number): void {
    const ws = this.ws;
    if (ws !== undefined && this.connected) this.probe(ws, timeoutMs);
  }

  private stopPing(): void {
    if (this.pingTimer !== undefined) this.options.clock.clearTimeout(this.pingTimer);
    this.pingTimer = undefined;
  }

  /** Drop the socket (tests use this to simulate a network cut); reconnects if wanted. */
  dropConnection(): void {
    const ws = this.ws;
    if (!ws) return;
    this.lost(ws);
    ws.close(4000, "dropped");
  }

  /** If nothing needs the relay any more, hang up. */
  idle(): void {
    if (this.wanted() || this.waiters.length > 0) return;
    // Let requests already on the wire (a last post, the close) be answered first.
    if (this.pending.size > 0) {
      this.hangUpWhenDrained = true;
      return;
    }
    this.hangUp();
  }

  /** A pending request was answered or timed out. */
  private settled(): void {
    if (this.hangUpWhenDrained && this.pending.size === 0) {
      this.hangUpWhenDrained = false;
      this.idle();
    }
  }

  private hangUp(): void {
    this.hangUpWhenDrained = false;
    if (this.retryTimer !== undefined) this.options.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.stopPing();
    const ws = this.ws;
    this.ws = undefined;
    this.connected = false;
    this.connecting = undefined;
    this.attempt = 0;
    for (const [, p] of this.pending) {
      this.options.clock.clearTimeout(p.timer);
      p.reject(new RequestFailed("closed", "signaling is closed"));
    }
    this.pending.clear();
    ws?.close(1000, "bye");
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters) w.reject(new RequestFailed("closed", "signaling is closed"));
    this.waiters = [];
    this.hangUp();
  }
}
