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

/** One pairing as the loads run it: ms to the first blob and to both sockets closed, and its nameplate. Throws on any failure. */
async function onePairing(hostUrl: string, joinUrl: string, blobA: string, blobB: string): Promise<{ firstMs: number; fullMs: number; nameplate: number }> {
  const t0 = performance.now();
  const host = new Peer(hostUrl, nextLoopbackAddress());
  const join = new Peer(joinUrl, nextLoopbackAddress());
  try {
    await Promise.race([host.opened, host.failed]);
    const hosted = await host.req({ t: "host" });
    if (hosted.t !== "hosted") throw new Error(`host: ${hosted.t}`);
    const nameplate = Number(hosted.nameplate);
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
    return { firstMs: t1 - t0, fullMs: performance.now() - t0, nameplate };
  } catch (e) {
    host.ws.terminate();
    join.ws.terminate();
    throw e;
  }
}

/** Where one load's pairings are tallied. */
function tally(slots: number) {
  const samples: LoadSamples = { slots, first: [], full: [], failed: 0, firstError: undefined, seconds: 0, maxNameplate: 0 };
  const t0 = performance.now();
  return {
    samples,
    async run(hostUrl: string, joinUrl: string, blobA: string, blobB: string): Promise<void> {
      try {
        const p = await onePairing(hostUrl, joinUrl, blobA, blobB);
        samples.first.push(p.firstMs);
        samples.full.push(p.fullMs);
        samples.maxNameplate = Math.max(samples.maxNameplate, p.nameplate);
      } catch (e) {
        samples.failed++;
        samples.firstError ??= e instanceof Error ? e.message : String(e);
      }
    },
    done(): LoadSamples {
      samples.seconds = (performance.now() - t0) / 1000;
      return samples;
    },
  };
}

/** `closedLoop`, its samples unsummarised. */
export async function closedLoopSamples(hostUrl: string, joinUrl: string, slots: number, total: number, blobBytes: number, limitMs: number): Promise<LoadSamples> {
  let started = 0;
  const deadline = Date.now() + limitMs;
  const blobA = randomBytes(blobBytes).toString("base64url");
  const blobB = randomBytes(blobBytes).toString("base64url");
  const t = tally(slots);
  await Promise.all(
    Array.from({ length: slots }, async () => {
      while (started < total && Date.now() < deadline) {
        started++;
        await t.run(hostUrl, joinUrl, blobA, blobB);
      }
    }),
  );
  const samples = t.done();
  samples.failed += total - started;
  if (started < total) samples.firstError ??= `time limit: ${started}/${total} started`;
  return samples;
}

/**
 * An open loop: one pairing started every 1/rate s for `seconds` (however long the ones before
 * take), as people arrive at a relay; `slots` in the result is the rate. What it is for is the
 * largest nameplate at a sustained rate: with a 15 s cool-down after each join, 50 pairings/s
 * keep ~750 nameplates cooling, so the numbers stay at three digits only if freed ones are reused.
 */
export async function openLoopSamples(hostUrl: string, joinUrl: string, perSecond: number, seconds: number, blobBytes: number): Promise<LoadSamples> {
  const blobA = randomBytes(blobBytes).toString("base64url");
  const blobB = randomBytes(blobBytes).toString("base64url");
  const t = tally(perSecond);
  const total = Math.round(perSecond * seconds);
  const t0 = performance.now();
  const running: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / perSecond - performance.now();
    if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
    running.push(t.run(hostUrl, joinUrl, blobA, blobB));
  }
  await Promise.all(running);
  return t.done();
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
