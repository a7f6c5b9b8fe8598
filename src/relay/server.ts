/**
 * The relay server: an HTTP server for GET /healthz and GET /metrics, with a `ws` WebSocket
 * server on the same port for clients. It admits connections (per-address and relay-wide
 * caps; the address read from trusted proxies only), routes store events to its subscribers,
 * runs one housekeeping tick on the injected clock (idle timeouts, one batched refresh of
 * presence and nameplates), and shuts down gracefully: stop accepting, send every client
 * `bye`, release what they held, close.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { RawData, WebSocket, WebSocketServer } from "ws";
import { addressGroup, clientAddress, trustedProxies } from "./address.js";
import { Budgets } from "./budgets.js";
import { unrefSystemClock, type Clock } from "../clock.js";
import { importOptional } from "../optional-dependency.js";
import { RelayConnection } from "./connection.js";
import { corkForThisTick } from "./cork.js";
import type { RelayContext, SubscriberSink } from "./context.js";
import { stderrJsonLogger, type RelayLogEvent, type RelayLogger } from "./log.js";
import { RelayMetrics } from "./metrics.js";
import { DEFAULT_LISTEN_BACKLOG, defaultLimits, defaultTimings, maxFrameBytes, type RelayLimits, type RelayTimings } from "./options.js";
import { encodeFrame } from "../protocol/relay-frames.js";
import { memoryStore } from "./store/memory.js";
import { redisStore } from "./store/redis.js";
import type { RelayStore, Subscriber } from "./store/types.js";
import { turnMinter, type TurnOptions } from "./turn.js";

export interface RelayServerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 8787; 0 picks a free port (see `start()`'s result). */
  readonly port?: number;
  /** Listen backlog: connections the kernel queues while the relay is busy. Default 4096 (the OS may cap it). */
  readonly backlog?: number;
  /** A store to use (not closed by the server). Default: a memory store, or Redis with `redis`. */
  readonly store?: RelayStore;
  /** `redis://…` URL: use a Redis store the server owns. */
  readonly redis?: string;
  /** Key/channel prefix in Redis. Default `lethe:`. */
  readonly redisPrefix?: string;
  readonly limits?: Partial<RelayLimits>;
  readonly timings?: Partial<RelayTimings>;
  /**
   * Time for TTLs, cool-downs, idle timeouts, rate limits and the housekeeping tick (the one
   * `Clock` of src/clock.ts; tests pass a TestClock). Default `unrefSystemClock`: an idle relay
   * never keeps a process alive on its own.
   */
  readonly clock?: Clock;
  /** Structured log sink; `false` turns logs off. Default: JSON lines on stderr, asynchronously. */
  readonly log?: RelayLogger | false;
  /**
   * Proxies (addresses or CIDR blocks) whose `Forwarded` / `X-Forwarded-For` headers name the
   * client. From any other peer the headers are ignored. Default: none.
   */
  readonly trustProxy?: readonly string[];
  /** A TURN server whose short-lived credentials the relay mints for its clients. */
  readonly turn?: TurnOptions;
}

export interface RelayAddress {
  readonly host: string;
  readonly port: number;
  /** `ws://host:port` */
  readonly url: string;
}

export interface RelayServer {
  start(): Promise<RelayAddress>;
  stop(): Promise<void>;
  readonly metrics: RelayMetrics;
  readonly store: RelayStore;
  /** Connected clients right now. */
  connectionCount(): number;
}

/** Where a socket's RelayConnection is kept, so one set of listeners serves every socket. */
const CONN = Symbol("lethe.relay.connection");
type ClientSocket = WebSocket & { [CONN]?: RelayConnection };

/** How long start() waits for the store to route events before listening anyway. */
const ATTACH_WAIT_MS = 3000;

/** 128-bit mailbox ids, cut from a pool of random bytes refilled 256 ids at a time. */
let idPool = Buffer.alloc(0);
let idOffset = 0;
function newMailboxId(): string {
  if (idOffset >= idPool.length) {
    idPool = randomBytes(16 * 256);
    idOffset = 0;
  }
  const id = idPool.toString("hex", idOffset, idOffset + 16);
  idPool.fill(0, idOffset, idOffset + 16);
  idOffset += 16;
  return id;
}

export function createRelayServer(options: RelayServerOptions = {}): RelayServer {
  const backlog = options.backlog ?? DEFAULT_LISTEN_BACKLOG;
  if (!Number.isInteger(backlog) || backlog < 1 || backlog > 65_535) throw new RangeError(`backlog must be an integer in 1..65535, got ${String(options.backlog)}`);
  const limits: RelayLimits = { ...defaultLimits, ...options.limits };
  const timings: RelayTimings = { ...defaultTimings, ...options.timings };
  const clock = options.clock ?? unrefSystemClock;
  const metrics = new RelayMetrics();
  const trusted = options.trustProxy && options.trustProxy.length > 0 ? trustedProxies(options.trustProxy) : undefined;
  const turn = options.turn ? turnMinter(options.turn, clock) : undefined;
  const ownLogger = options.log === undefined ? stderrJsonLogger() : undefined;
  const logger = options.log === false ? undefined : (options.log ?? ownLogger!.log);
  const storeOptions = {
    ttlSeconds: timings.ttlSeconds,
    nameplateCooldownSeconds: timings.nameplateCooldownSeconds,
    releasedNameplateCooldownSeconds: timings.releasedNameplateCooldownSeconds,
  };
  const ownsStore = options.store === undefined;
  const store: RelayStore =
    options.store ??
    (options.redis !== undefined
      ? redisStore({ ...storeOptions, url: options.redis, prefix: options.redisPrefix ?? "lethe:", onRoundTrip: () => metrics.storeRoundTrips++ })
      : memoryStore({ ...storeOptions, clock, onExpired: (n: number) => metrics.drop("expired", n) }));
  const budgets = new Budgets(limits, clock, timings.ttlSeconds);
  const subscribers = new Map<string, SubscriberSink>();

  // Presence and nameplates are refreshed every TTL/3, so the tick must be at least that often.
  const tickEveryMs = Math.min(timings.tickMs, (timings.ttlSeconds * 1000) / 3);
  const conns = new Set<RelayConnection>();
  let nextId = 1;
  let http: Server | undefined;
  let wss: WebSocketServer | undefined;
  let address: RelayAddress | undefined;
  let starting: Promise<RelayAddress> | undefined;
  let stopping: Promise<void> | undefined;
  let tickTimer: unknown;
  let shuttingDown = false;

  const log = (event: RelayLogEvent) => logger?.({ ...event, ts: clock.now() });

  const ctx: RelayContext = {
    limits,
    timings,
    maxFrameBytes: maxFrameBytes(limits),
    welcome: encodeFrame({
      t: "welcome",
      v: 1,
      limits: { maxBlobBytes: limits.maxBlobBytes, idleTimeoutMs: limits.idleTimeoutMs, messagesPerSecond: limits.messagesPerSecond },
    }),
    store,
    budgets,
    metrics,
    clock,
    instanceId: randomBytes(8).toString("hex"),
    subscribers,
    turn,
    newMailboxId,
    log: (e) => log(e),
  };

  function onHttp(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/healthz") {
      res.writeHead(shuttingDown ? 503 : 200, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: shuttingDown ? "shutting_down" : "ok", connections: conns.size }));
      return;
    }
    if (req.method === "GET" && path === "/metrics") {
      store.stats().then(
        (s) => {
          res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
          res.end(metrics.render({ ...s, addresses: budgets.size() }));
        },
        () => {
          res.writeHead(503, { "content-type": "text/plain" });
          res.end("store unavailable\n");
        },
      );
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found\n");
  }

  function refuseConnection(ws: WebSocket, ip: string, reason: "too_many_connections" | "shutdown", limit?: "connections_per_address" | "connections_total"): void {
    if (limit) metrics.limit(limit);
    log({ ev: "conn.refused", ip, reason });
    ws.send(JSON.stringify({ t: "bye", reason }));
    ws.close(1013, reason);
  }

  // One set of listeners for every socket (no closures per connection); `this` is the socket.
  function ignoreError(): void {} // protocol errors (e.g. oversized message) end in 'close' below
  function onMessage(this: ClientSocket, data: RawData, isBinary: boolean): void {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    this[CONN]!.receive(buf, isBinary);
  }
  function onClose(this: ClientSocket, code: number): void {
    const conn = this[CONN]!;
    conns.delete(conn);
    metrics.connections--;
    budgets.leave(conn.budget);
    if (logger) {
      const now = clock.now();
      logger({
        ev: "conn.close",
        conn: conn.id,
        ip: conn.ip,
        code,
        framesIn: conn.framesIn,
        framesOut: conn.framesOut,
        bytesIn: conn.bytesIn,
        bytesOut: conn.bytesOut,
        ms: now - conn.openedAt,
        ts: now,
      });
    }
    void conn.release();
  }

  function onConnection(ws: ClientSocket, req: IncomingMessage): void {
    const ip = clientAddress(req.socket.remoteAddress ?? "unknown", req.headers, trusted);
    ws.on("error", ignoreError);
    if (shuttingDown) return refuseConnection(ws, ip, "shutdown");
    const budget = budgets.admit(addressGroup(ip));
    if (typeof budget === "string") return refuseConnection(ws, ip, "too_many_connections", budget);
    const conn = new RelayConnection(ctx, ws, nextId++, ip, budget);
    conns.add(conn);
    metrics.connections++;
    metrics.connectionsTotal++;
    ws[CONN] = conn;
    ws.on("message", onMessage);
    ws.on("close", onClose);
  }

  function scheduleTick(): void {
    tickTimer = clock.setTimeout(() => {
      const now = clock.now();
      const due: Subscriber[] = [];
      for (const c of [...conns]) c.tick(now, due);
      budgets.sweep();
      const refreshed = due.length > 0 ? store.refresh(due) : Promise.resolve();
      void refreshed.then(
        () => {
          if (!shuttingDown) scheduleTick();
        },
        () => {
          log({ ev: "store.error", conn: 0, op: "refresh", error: "refresh failed" });
          if (!shuttingDown) scheduleTick();
        },
      );
    }, tickEveryMs);
  }

  async function doStart(): Promise<RelayAddress> {
    // ws is an optional peer dependency (browser apps never install it): loaded here, on start.
    const { WebSocketServer } = await importOptional("ws", () => import("ws"));
    http = createServer(onHttp);
    // skipUTF8Validation: invalid UTF-8 becomes a bad_frame answer (JSON decode fails) instead
    // of a 1007 close, so a bad frame costs the error budget like any other.
    wss = new WebSocketServer({ server: http, maxPayload: 2 * ctx.maxFrameBytes, perMessageDeflate: false, skipUTF8Validation: true });
    // The 101 response is held (corked) until the next tick, so the `welcome` frame sent on
    // 'connection' leaves with it in one write.
    wss.on("headers", (_headers, req) => corkForThisTick(req.socket));
    wss.on("connection", onConnection);
    wss.on("error", () => {}); // the HTTP server's own errors reach start()/listen; per-socket ones end in 'close'
    // Events for this instance's subscribers. With Redis down at start the relay still listens
    // (requests answer `internal`); the subscription goes live when Redis is back.
    const attached = store.attach(ctx.instanceId, (token, event) => subscribers.get(token)?.onEvent(event));
    attached.catch(() => log({ ev: "store.error", conn: 0, op: "attach", error: "attach failed" }));
    let waited: unknown;
    // Wall time, not `clock`: this bounds a wait on a real Redis connection during start(); on a
    // test's clock that nobody advances yet it would hang start() instead. It decides no TTL.
    // Its failure is logged on the line above; here it only ends the wait.
    await Promise.race([attached.catch(() => {}), new Promise<void>((resolve) => (waited = unrefSystemClock.setTimeout(resolve, ATTACH_WAIT_MS)))]);
    unrefSystemClock.clearTimeout(waited);
    const host = options.host ?? "127.0.0.1";
    await new Promise<void>((resolve, reject) => {
      http!.once("error", reject);
      http!.listen({ port: options.port ?? 8787, host, backlog }, () => {
        http!.off("error", reject);
        resolve();
      });
    });
    const port = (http.address() as AddressInfo).port;
    const shown = host.includes(":") ? `[${host}]` : host;
    address = { host, port, url: `ws://${shown}:${port}` };
    scheduleTick();
    log({ ev: "listening", host, port, store: store.kind });
    return address;
  }

  async function doStop(): Promise<void> {
    shuttingDown = true;
    if (tickTimer !== undefined) clock.clearTimeout(tickTimer);
    log({ ev: "shutdown", connections: conns.size });
    // Stop accepting first, then tell everyone, then wait for their sockets to close.
    const closedHttp = new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
    const sockets = [...(wss?.clients ?? [])];
    const allClosed = Promise.all(
      sockets.map((ws) => (ws.readyState === ws.CLOSED ? Promise.resolve() : new Promise<void>((resolve) => ws.once("close", () => resolve())))),
    );
    await Promise.allSettled([...conns].map((c) => c.shutdown("shutdown", 1001)));
    // A client that does not answer the close handshake is cut off after a short grace. Wall
    // time, not `clock`: it bounds a wait on real sockets while stopping, and a test's clock that
    // nobody advances during stop() would otherwise hang it. It decides no TTL or limit.
    const grace = unrefSystemClock.setTimeout(() => sockets.forEach((ws) => ws.terminate()), 2000);
    await allClosed;
    unrefSystemClock.clearTimeout(grace);
    wss?.close();
    http?.closeAllConnections();
    await closedHttp;
    if (ownsStore) await store.close();
    ownLogger?.flush();
  }

  return {
    metrics,
    store,
    connectionCount: () => conns.size,
    start() {
      if (stopping) return Promise.reject(new Error("relay server was stopped"));
      return (starting ??= doStart());
    },
    stop() {
      if (!starting) {
        stopping ??= ownsStore ? store.close() : Promise.resolve();
        return stopping;
      }
      return (stopping ??= starting.then(doStop, doStop));
    },
  };
}
