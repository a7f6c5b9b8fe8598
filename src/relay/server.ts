/**
 * The relay server: an HTTP server for GET /healthz and GET /metrics, with a `ws` WebSocket
 * server on the same port for clients. It admits connections (per-IP and total limits), runs
 * one housekeeping tick on the injected clock, and shuts down gracefully: stop accepting,
 * send every client `bye`, release what they held, close.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { systemClock, type RelayClock } from "./clock.js";
import { RelayConnection } from "./connection.js";
import type { RelayContext } from "./context.js";
import { jsonLinesLogger, type RelayLogEvent, type RelayLogger } from "./log.js";
import { RelayMetrics } from "./metrics.js";
import { defaultLimits, defaultTimings, maxFrameBytes, type RelayLimits, type RelayTimings } from "./options.js";
import { memoryStore } from "./store/memory.js";
import { redisStore } from "./store/redis.js";
import type { RelayStore } from "./store/types.js";

export interface RelayServerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 8787; 0 picks a free port (see `start()`'s result). */
  readonly port?: number;
  /** A store to use (not closed by the server). Default: a memory store, or Redis with `redis`. */
  readonly store?: RelayStore;
  /** `redis://…` URL: use a Redis store the server owns. */
  readonly redis?: string;
  /** Key/channel prefix in Redis. Default `lethe:`. */
  readonly redisPrefix?: string;
  readonly limits?: Partial<RelayLimits>;
  readonly timings?: Partial<RelayTimings>;
  /** Injectable time for TTLs, cool-downs, idle timeouts and rate limits. */
  readonly clock?: RelayClock;
  /** Structured log sink; `false` turns logs off. Default: JSON lines on stderr. */
  readonly log?: RelayLogger | false;
  /** Take the client address from the last X-Forwarded-For hop (only behind your own proxy). */
  readonly trustProxy?: boolean;
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

export function createRelayServer(options: RelayServerOptions = {}): RelayServer {
  const limits: RelayLimits = { ...defaultLimits, ...options.limits };
  const timings: RelayTimings = { ...defaultTimings, ...options.timings };
  const clock = options.clock ?? systemClock;
  const metrics = new RelayMetrics();
  const logger = options.log === false ? undefined : (options.log ?? jsonLinesLogger);
  const storeOptions = {
    ttlSeconds: timings.ttlSeconds,
    nameplateCooldownSeconds: timings.nameplateCooldownSeconds,
    onExpired: (n: number) => metrics.drop("expired", n),
  };
  const ownsStore = options.store === undefined;
  const store: RelayStore =
    options.store ??
    (options.redis !== undefined
      ? redisStore({ ...storeOptions, url: options.redis, prefix: options.redisPrefix ?? "lethe:" })
      : memoryStore({ ...storeOptions, clock }));

  // Presence and nameplates are refreshed every TTL/3, so the tick must be at least that often.
  const tickEveryMs = Math.min(timings.tickMs, (timings.ttlSeconds * 1000) / 3);
  const conns = new Set<RelayConnection>();
  const perIp = new Map<string, number>();
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
    store,
    metrics,
    clock,
    instanceId: randomBytes(8).toString("hex"),
    newMailboxId: () => randomBytes(16).toString("hex"),
    log: (e) => log(e),
    replaceLocal(mb, side, by) {
      for (const c of conns) if (c !== by && c.hasSide(mb, side)) c.replaced(mb, side);
    },
  };

  function clientIp(req: IncomingMessage): string {
    if (options.trustProxy) {
      const fwd = req.headers["x-forwarded-for"];
      const last = (Array.isArray(fwd) ? fwd.join(",") : (fwd ?? "")).split(",").pop()?.trim();
      if (last) return last;
    }
    return req.socket.remoteAddress ?? "unknown";
  }

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
          res.end(metrics.render(s));
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

  function onConnection(ws: WebSocket, req: IncomingMessage): void {
    const ip = clientIp(req);
    ws.on("error", () => {}); // protocol errors (e.g. oversized message) end in 'close' below
    const refuse = (reason: "too_many_connections" | "shutdown", limit?: "connections_per_ip" | "connections_total") => {
      if (limit) metrics.limit(limit);
      log({ ev: "conn.refused", ip, reason });
      ws.send(JSON.stringify({ t: "bye", reason }));
      ws.close(1013, reason);
    };
    if (shuttingDown) return refuse("shutdown");
    if (conns.size >= limits.maxConnections) return refuse("too_many_connections", "connections_total");
    const n = perIp.get(ip) ?? 0;
    if (n >= limits.maxConnectionsPerIp) return refuse("too_many_connections", "connections_per_ip");
    perIp.set(ip, n + 1);
    const conn = new RelayConnection(ctx, ws, nextId++, ip);
    conns.add(conn);
    metrics.connections++;
    metrics.connectionsTotal++;
    log({ ev: "conn.open", conn: conn.id, ip });
    ws.on("message", (data, isBinary) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      conn.receive(buf, isBinary);
    });
    ws.on("close", (code) => {
      conns.delete(conn);
      metrics.connections--;
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left <= 0) perIp.delete(ip);
      else perIp.set(ip, left);
      log({
        ev: "conn.close",
        conn: conn.id,
        ip,
        code,
        framesIn: conn.framesIn,
        framesOut: conn.framesOut,
        bytesIn: conn.bytesIn,
        bytesOut: conn.bytesOut,
        ms: clock.now() - conn.openedAt,
      });
      void conn.release();
    });
  }

  function scheduleTick(): void {
    tickTimer = clock.setTimeout(() => {
      const now = clock.now();
      const all = [...conns];
      void Promise.allSettled(all.map((c) => c.tick(now))).then(() => {
        if (!shuttingDown) scheduleTick();
      });
    }, tickEveryMs);
  }

  async function doStart(): Promise<RelayAddress> {
    http = createServer(onHttp);
    // skipUTF8Validation: invalid UTF-8 becomes a bad_frame answer (JSON decode fails) instead
    // of a 1007 close, so a bad frame costs the error budget like any other.
    wss = new WebSocketServer({ server: http, maxPayload: 2 * ctx.maxFrameBytes, perMessageDeflate: false, skipUTF8Validation: true });
    wss.on("connection", onConnection);
    wss.on("error", () => {});
    const host = options.host ?? "127.0.0.1";
    await new Promise<void>((resolve, reject) => {
      http!.once("error", reject);
      http!.listen(options.port ?? 8787, host, () => {
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
    // A client that does not answer the close handshake is cut off after a short grace.
    const grace = setTimeout(() => sockets.forEach((ws) => ws.terminate()), 2000);
    await allClosed;
    clearTimeout(grace);
    wss?.close();
    http?.closeAllConnections();
    await closedHttp;
    if (ownsStore) await store.close();
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
