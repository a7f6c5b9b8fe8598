/**
 * Test helpers for the relay: a raw protocol client that awaits frames by predicate (no
 * sleeps), a per-run Redis key prefix with cleanup, a relay started on a free port, and a suite's
 * clients and relay ended together (`suiteRelay`).
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { WebSocket } from "ws";
import { createRelayServer, type RelayServerOptions } from "../../src/relay/index.js";
import type { RelayLogEvent } from "../../src/relay/log.js";

export const REDIS_URL = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";

export type Frame = Record<string, unknown> & { t: string };

export interface RawClient {
  readonly ws: WebSocket;
  readonly frames: Frame[];
  send(frame: unknown): void;
  sendRaw(data: string | Buffer, binary?: boolean): void;
  /** Resolves with the first frame (already received or future) matching `pred`, consuming it. */
  next(pred?: (f: Frame) => boolean, what?: string): Promise<Frame>;
  /** Request/reply: assigns `r` and awaits the reply or error carrying it. */
  req(frame: Record<string, unknown>): Promise<Frame>;
  readonly closed: Promise<{ code: number }>;
  close(): void;
}

let rseq = 1;

/** `localAddress` (any 127.x.y.z: all of 127/8 is loopback) makes the client another address. */
export async function rawClient(url: string, localAddress?: string): Promise<RawClient> {
  const ws = new WebSocket(url, localAddress ? { localAddress } : {});
  const frames: Frame[] = [];
  const waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void; reject: (e: Error) => void; what: string }[] = [];
  let isClosed = false;
  const closed = new Promise<{ code: number }>((resolve) =>
    ws.on("close", (code) => {
      isClosed = true;
      for (const w of waiters.splice(0)) w.reject(new Error(`socket closed (${code}) while waiting for ${w.what}`));
      resolve({ code });
    }),
  );
  ws.on("error", () => {});
  ws.on("message", (data) => {
    const f = JSON.parse(String(data)) as Frame;
    const i = waiters.findIndex((w) => w.pred(f));
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(f);
    else frames.push(f);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  const client: RawClient = {
    ws,
    frames,
    closed,
    send: (frame) => ws.send(JSON.stringify(frame)),
    sendRaw: (data, binary = false) => ws.send(data, { binary }),
    next(pred = () => true, what = "a frame") {
      const i = frames.findIndex(pred);
      if (i >= 0) return Promise.resolve(frames.splice(i, 1)[0]!);
      if (isClosed) return Promise.reject(new Error(`socket closed while waiting for ${what}`));
      return new Promise((resolve, reject) => waiters.push({ pred, resolve, reject, what }));
    },
    req(frame) {
      const r = rseq++;
      client.send({ ...frame, r });
      return client.next((f) => f["r"] === r, `reply to ${String(frame["t"])}`);
    },
    close: () => ws.close(),
  };
  await client.next((f) => f.t === "welcome", "welcome");
  return client;
}

/** A unique Redis key prefix for one test file run, and a cleanup that deletes its keys. */
export function redisPrefix(): { prefix: string; redis: Redis; keys(): Promise<string[]>; cleanup(): Promise<void> } {
  const prefix = `lethe-test:${randomBytes(6).toString("hex")}:`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  const keys = async () => {
    const out: string[] = [];
    let cursor = "0";
    do {
      const [next, ks] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      out.push(...ks);
    } while (cursor !== "0");
    return out;
  };
  return {
    prefix,
    redis,
    keys,
    async cleanup() {
      const ks = await keys();
      if (ks.length) await redis.del(...ks);
      await redis.quit();
    },
  };
}

/**
 * Resolves when no key under `prefix` is left, woken by Redis keyspace "expired" events rather
 * than by sleeping. `limitMs` only bounds a broken run.
 */
export async function awaitPrefixEmpty(redis: Redis, prefix: string, limitMs = 10_000): Promise<void> {
  await redis.config("SET", "notify-keyspace-events", "Ex");
  const sub = redis.duplicate();
  let wake: () => void = () => {};
  sub.on("message", () => wake());
  await sub.subscribe("__keyevent@0__:expired");
  const deadline = Date.now() + limitMs;
  try {
    for (;;) {
      const [, ks] = await redis.scan("0", "MATCH", `${prefix}*`, "COUNT", 10_000);
      // SCAN with cursor 0 may not cover everything in one pass; confirm with a full pass.
      if (ks.length === 0) {
        let cursor = "0";
        let any = false;
        do {
          const [next, more] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
          cursor = next;
          if (more.length) any = true;
        } while (cursor !== "0" && !any);
        if (!any) return;
      }
      if (Date.now() > deadline) throw new Error(`keys under ${prefix} still present after ${limitMs} ms`);
      // Woken by the next expiry anywhere in db 0 (or a 250 ms guard for lazily expired keys).
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 250);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  } finally {
    await sub.quit();
  }
}

export interface CapturedLogs {
  readonly events: (RelayLogEvent & { ts: number })[];
  readonly log: (e: RelayLogEvent & { ts: number }) => void;
}
export function captureLogs(): CapturedLogs {
  const events: (RelayLogEvent & { ts: number })[] = [];
  return { events, log: (e) => events.push(e) };
}

export async function startRelay(options: RelayServerOptions = {}) {
  const server = createRelayServer({ port: 0, log: false, ...options });
  const address = await server.start();
  return { server, ...address };
}

/**
 * A suite's raw clients and relay, closed and stopped together (`end`, for afterAll): `client`
 * opens one from an address and keeps it; `relay` starts the relay the suite ends with.
 */
export function suiteRelay(): {
  client(url: string, from: string): Promise<RawClient>;
  relay(options?: RelayServerOptions): ReturnType<typeof startRelay>;
  end(): Promise<void>;
} {
  const clients: RawClient[] = [];
  const relays: { server: { stop(): Promise<void> } }[] = [];
  return {
    async client(url, from) {
      const c = await rawClient(url, from);
      clients.push(c);
      return c;
    },
    async relay(options) {
      const r = await startRelay(options);
      relays.push(r);
      return r;
    },
    async end() {
      for (const c of clients) c.close();
      for (const r of relays) await r.server.stop();
    },
  };
}

export async function getText(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

export function metric(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(name + " "));
  if (!line) throw new Error(`metric ${name} missing`);
  return Number(line.slice(name.length + 1));
}
