/**
 * The relay bench's load: the closed loop magic-wormhole's mailbox server was measured with.
 * C slots; each slot runs pairings back to back until N have been started. One pairing: two
 * fresh WebSocket connections (host and joiner, each from its own loopback source address
 * 127.x.y.z, so per-address budgets see two people, as on the internet), `host` → nameplate,
 * the host posts its blob (held: the joiner is not there yet), the joiner `join`s and posts its
 * blob (delivered at once), each side reads the other's blob, both close. Reported: pairs/s,
 * time to the first blob (the joiner reading the host's) and to the full pairing (both sockets
 * closed), p50/p99.
 */
import { randomBytes } from "node:crypto";
import { WebSocket } from "ws";

type Frame = { t: string; r?: number | null; nameplate?: string; m?: string; b?: string; code?: string };

let addressCounter = 0;
/** A fresh loopback source address per connection (the whole 127/8 is loopback on Linux). */
export function nextLoopbackAddress(): string {
  const i = addressCounter++;
  return `127.${64 + Math.floor(i / 64_516)}.${(Math.floor(i / 254) % 254) + 1}.${(i % 254) + 1}`;
}

class Peer {
  readonly ws: WebSocket;
  private replies = new Map<number, (f: Frame) => void>();
  private r = 1;
  blob: Promise<string>;
  private gotBlob!: (b: string) => void;
  failed: Promise<never>;
  private fail!: (e: Error) => void;
  readonly closed: Promise<void>;
  readonly opened: Promise<void>;

  constructor(url: string, localAddress: string) {
    this.blob = new Promise((resolve) => (this.gotBlob = resolve));
    this.failed = new Promise((_, reject) => (this.fail = reject));
    this.failed.catch(() => {});
    this.ws = new WebSocket(url, { perMessageDeflate: false, localAddress });
    this.opened = new Promise((resolve) => this.ws.once("open", () => resolve()));
    this.closed = new Promise((resolve) => this.ws.once("close", () => resolve()));
    this.ws.on("error", (e) => this.fail(e));
    this.ws.on("close", (code) => this.fail(new Error(`closed ${code}`)));
    this.ws.on("message", (d) => {
      const f = JSON.parse(String(d)) as Frame;
      if (f.t === "blob") return this.gotBlob(f.b!);
      if (f.t === "error") return this.fail(new Error(`error ${f.code}`));
      if (f.t === "bye") return this.fail(new Error(`bye`));
      if (typeof f.r === "number") {
        const w = this.replies.get(f.r);
        this.replies.delete(f.r);
        w?.(f);
      }
    });
  }
  req(f: Record<string, unknown>): Promise<Frame> {
    const r = this.r++;
    const reply = new Promise<Frame>((resolve) => this.replies.set(r, resolve));
    this.ws.send(JSON.stringify({ ...f, r }));
    return Promise.race([reply, this.failed]);
  }
  post(m: string, b: string): void {
    this.ws.send(JSON.stringify({ t: "post", r: this.r++, m, b }));
  }
}

export interface LoadResult {
  readonly slots: number;
  readonly pairings: number;
  readonly failed: number;
  readonly firstError: string | undefined;
  readonly seconds: number;
  readonly pairsPerSecond: number;
  readonly firstBlobP50Ms: number;
  readonly firstBlobP99Ms: number;
  readonly fullP50Ms: number;
  readonly fullP99Ms: number;
  /** Largest nameplate handed out during the run (digits matter to people typing them). */
  readonly maxNameplate: number;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const round = (x: number, d = 2) => +x.toFixed(d);

/** What one or more closed loops measured, before it is summarised. */
export interface LoadSamples {
  readonly slots: number;
  /** ms from start to the first blob / to both sockets closed, one per completed pairing. */
  readonly first: number[];
  readonly full: number[];
  failed: number;
  firstError: string | undefined;
  seconds: number;
  maxNameplate: number;
}

/** Samples of several loops at the same C (e.g. rounds of one run) as one. */
export function mergeSamples(parts: readonly LoadSamples[]): LoadSamples {
  return {
    slots: parts[0]!.slots,
    first: parts.flatMap((p) => p.first),
    full: parts.flatMap((p) => p.full),
    failed: parts.reduce((n, p) => n + p.failed, 0),
    firstError: parts.find((p) => p.firstError !== undefined)?.firstError,
    seconds: parts.reduce((n, p) => n + p.seconds, 0),
    maxNameplate: Math.max(...parts.map((p) => p.maxNameplate)),
  };
}

export function summarise(s: LoadSamples): LoadResult {
  const first = [...s.first].sort((a, b) => a - b);
  const full = [...s.full].sort((a, b) => a - b);
  return {
    slots: s.slots,
    pairings: full.length,
    failed: s.failed,
    firstError: s.firstError,
    seconds: round(s.seconds),
    pairsPerSecond: round(full.length / s.seconds, 1),
    firstBlobP50Ms: round(pct(first, 50)),
    firstBlobP99Ms: round(pct(first, 99)),
    fullP50Ms: round(pct(full, 50)),
    fullP99Ms: round(pct(full, 99)),
    maxNameplate: s.maxNameplate,
  };
}

/** Run N pairings through C slots; `hostUrl` and `joinUrl` differ for the two-relay scenario. */
export async function closedLoop(hostUrl: string, joinUrl: string, slots: number, total: number, blobBytes: number, limitMs: number): Promise<LoadResult> {
  return summarise(await closedLoopSamples(hostUrl, joinUrl, slots, total, blobBytes, limitMs));
}

/** `closedLoop`, its samples unsummarised. */
export async function closedLoopSamples(hostUrl: string, joinUrl: string, slots: number, total: number, blobBytes: number, limitMs: number): Promise<LoadSamples> {
  const first: number[] = [];
  const full: number[] = [];
  let started = 0;
  let failed = 0;
  let firstError: string | undefined;
  let maxNameplate = 0;
  const deadline = Date.now() + limitMs;
  const blobA = randomBytes(blobBytes).toString("base64url");
  const blobB = randomBytes(blobBytes).toString("base64url");

  async function pairing(): Promise<void> {
    const t0 = performance.now();
    const host = new Peer(hostUrl, nextLoopbackAddress());
    const join = new Peer(joinUrl, nextLoopbackAddress());
    try {
      await Promise.race([host.opened, host.failed]);
      const hosted = await host.req({ t: "host" });
      if (hosted.t !== "hosted") throw new Error(`host: ${hosted.t}`);
      maxNameplate = Math.max(maxNameplate, Number(hosted.nameplate));
      host.post(hosted.m!, blobA);
      await Promise.race([join.opened, join.failed]);
      const joined = await join.req({ t: "join", nameplate: hosted.nameplate! });
      if (joined.t !== "joined") throw new Error(`join: ${joined.t}`);
      join.post(joined.m!, blobB);
      const got = await Promise.race([join.blob, join.failed]);
      if (got !== blobA) throw new Error("joiner got the wrong blob");
      const t1 = performance.now();
      if ((await Promise.race([host.blob, host.failed])) !== blobB) throw new Error("host got the wrong blob");
      host.ws.close();
      join.ws.close();
      await Promise.all([host.closed, join.closed]);
      first.push(t1 - t0);
      full.push(performance.now() - t0);
    } catch (e) {
      failed++;
      firstError ??= e instanceof Error ? e.message : String(e);
      host.ws.terminate();
      join.ws.terminate();
    }
  }

  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: slots }, async () => {
      while (started < total && Date.now() < deadline) {
        started++;
        await pairing();
      }
    }),
  );
  return {
    slots,
    first,
    full,
    failed: failed + (total - started),
    firstError: firstError ?? (started < total ? `time limit: ${started}/${total} started` : undefined),
    seconds: (performance.now() - t0) / 1000,
    maxNameplate,
  };
}

export interface Parked {
  readonly count: number;
  close(): Promise<void>;
}

/** Open `count` connections (distinct source addresses) and wait for each one's welcome. */
export async function parkIdle(url: string, count: number): Promise<Parked & { peers: Peer[] }> {
  const peers: Peer[] = [];
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: Math.min(100, count - i) }, () => new Peer(url, nextLoopbackAddress()));
    await Promise.all(batch.map((p) => Promise.race([p.opened, p.failed])));
    peers.push(...batch);
  }
  // A ping round trip: every welcome has been sent and the server is done with the upgrades.
  await Promise.all(peers.map((p) => p.req({ t: "ping" })));
  return { count, peers, close: () => closeAll(peers) };
}

/** Make every parked connection a waiting host (a nameplate, an open mailbox side, nobody there). */
export async function makeWaiting(peers: Peer[]): Promise<void> {
  for (let i = 0; i < peers.length; i += 100) {
    await Promise.all(
      peers.slice(i, i + 100).map(async (p) => {
        const f = await p.req({ t: "host" });
        if (f.t !== "hosted") throw new Error(`host refused: ${f.code}`);
      }),
    );
  }
}

async function closeAll(peers: Peer[]): Promise<void> {
  for (const p of peers) p.ws.close();
  await Promise.all(peers.map((p) => p.closed));
}
