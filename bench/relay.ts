/**
 * Relay benchmark (`npx tsx bench/relay.ts [--quick]`, `npm run bench:relay`).
 *
 * On loopback, bounded in count and time: relays run in child processes (so RSS is the
 * server's, read from /proc/<pid>/status); one client process ramps to N concurrent WebSocket
 * clients (N/2 pairs), pairs them through host/join nameplates, then every pair ping-pongs
 * sealed-looking (random) 1 KiB blobs. Reported per scenario: pairings/s, messages/s, p50/p99
 * one-way delivery latency, server RSS per connection. Scenarios: memory store; Redis store;
 * two relays on one Redis (host on relay 1, joiner on relay 2).
 * Writes bench/relay-results.json (or relay-results.quick.json with --quick).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { WebSocket } from "ws";

const QUICK = process.argv.includes("--quick");
const PAIRS = Number(process.env["RELAY_BENCH_PAIRS"] ?? (QUICK ? 200 : 1000));
const ROUND_TRIPS = QUICK ? 10 : 5;
const BLOB_BYTES = 1024;
const REST_ROUND_TRIPS = 100;
const SCENARIO_LIMIT_MS = QUICK ? 60_000 : 120_000;
const CONNECT_BATCH = 100;
const REDIS_URL = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";
const ENTRY = fileURLToPath(new URL("./relay-server.ts", import.meta.url));
// Limits raised for one client process opening thousands of connections from 127.0.0.1.
const LIMITS = JSON.stringify({
  maxConnectionsPerIp: 10_000,
  maxConnections: 10_000,
  messagesPerSecond: 1000,
  messagesBurst: 2000,
  claimsPerSecond: 100,
  claimsBurst: 100,
});

interface RelayChild {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function spawnRelay(extra: string[]): Promise<RelayChild> {
  // RELAY_NODE_ARGS="--cpu-prof" profiles the relay processes.
  const nodeArgs = (process.env["RELAY_NODE_ARGS"] ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", ENTRY, "--port", "0", "--quiet", "--limits", LIMITS, ...extra], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (ws:\/\/\S+)\n/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`relay exited ${code}`)));
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    url,
    child,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** utime + stime of a process, in ms (Linux /proc; clock ticks are 100 Hz here). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}

type Frame = { t: string; r?: number; nameplate?: string; m?: string; b?: string; code?: string };

class Client {
  readonly ws: WebSocket;
  private waiters = new Map<number, (f: Frame) => void>();
  private r = 1;
  onBlob: (b64: string) => void = () => {};
  onPeer: () => void = () => {};
  errors = 0;
  constructor(url: string) {
    this.ws = new WebSocket(url, { perMessageDeflate: false });
    this.ws.on("error", () => this.errors++);
    this.ws.on("message", (d) => {
      const f = JSON.parse(String(d)) as Frame;
      if (f.t === "blob") return this.onBlob(f.b!);
      if (f.t === "peer") return this.onPeer();
      if (f.t === "error") this.errors++;
      if (f.r !== undefined && f.r !== null) {
        const w = this.waiters.get(f.r);
        if (w) {
          this.waiters.delete(f.r);
          w(f);
        }
      }
    });
  }
  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("error", reject);
    });
  }
  req(f: Omit<Frame, "r">): Promise<Frame> {
    const r = this.r++;
    return new Promise((resolve) => {
      this.waiters.set(r, resolve);
      this.ws.send(JSON.stringify({ ...f, r }));
    });
  }
  post(m: string, b: string): void {
    this.ws.send(JSON.stringify({ t: "post", r: this.r++, m, b }));
  }
}

const pct = (sorted: Float64Array, p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

interface Result {
  scenario: string;
  relays: number;
  clients: number;
  pairs: number;
  roundTrips: number;
  blobBytes: number;
  connectMs: number;
  pairingsPerSecond: number;
  messages: number;
  messagesPerSecond: number;
  /** One-way latency of one pair alone (every other client connected and idle). */
  restP50Ms: number;
  restP99Ms: number;
  /** One-way latency while all pairs ping-pong at once (N/2 blobs in flight). */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  rssIdleMiB: number;
  rssLoadedMiB: number;
  rssPerConnectionKiB: number;
  clientErrors: number;
  exchangeMs: number;
  /** CPU the relay process(es) spent per delivered message during the exchange. */
  serverCpuUsPerMessage: number;
  clientCpuUsPerMessage: number;
}

async function scenario(name: string, relays: RelayChild[]): Promise<Result> {
  const deadline = Date.now() + SCENARIO_LIMIT_MS;
  const pids = relays.map((r) => r.child.pid!);
  const rssIdle = pids.reduce((s, pid) => s + rssBytes(pid), 0);
  const hosts: Client[] = [];
  const joiners: Client[] = [];
  const t0 = performance.now();
  for (let i = 0; i < PAIRS; i += CONNECT_BATCH) {
    const batch: Client[] = [];
    for (let j = i; j < Math.min(PAIRS, i + CONNECT_BATCH); j++) {
      const h = new Client(relays[0]!.url);
      const k = new Client(relays[relays.length - 1]!.url);
      hosts.push(h);
      joiners.push(k);
      batch.push(h, k);
    }
    await Promise.all(batch.map((c) => c.opened()));
    if (Date.now() > deadline) throw new Error(`${name}: connecting took too long`);
  }
  const connectMs = performance.now() - t0;

  // Pair every host with its joiner through a nameplate.
  const tp = performance.now();
  const mailboxes = await Promise.all(
    hosts.map(async (h, i) => {
      const peered = new Promise<void>((resolve) => (h.onPeer = resolve));
      const hosted = await h.req({ t: "host" });
      if (hosted.t !== "hosted") throw new Error(`${name}: host refused: ${hosted.code}`);
      const joined = await joiners[i]!.req({ t: "join", nameplate: hosted.nameplate! });
      if (joined.t !== "joined") throw new Error(`${name}: join refused: ${joined.code}`);
      await peered;
      return hosted.m!;
    }),
  );
  const pairMs = performance.now() - tp;
  const rssLoaded = pids.reduce((s, pid) => s + rssBytes(pid), 0);

  // Latency at rest: one pair ping-pongs sequentially while every other client stays connected.
  const restLat: number[] = [];
  {
    const h = hosts[0]!;
    const k = joiners[0]!;
    const m = mailboxes[0]!;
    const blob = randomBytes(BLOB_BYTES).toString("base64url");
    for (let i = 0; i < REST_ROUND_TRIPS; i++) {
      for (const [from, to] of [[h, k], [k, h]] as const) {
        const t = performance.now();
        await new Promise<void>((resolve) => {
          to.onBlob = () => resolve();
          from.post(m, blob);
        });
        restLat.push(performance.now() - t);
      }
    }
    restLat.sort((a, b) => a - b);
  }

  // Every pair ping-pongs ROUND_TRIPS times; each hop's one-way latency is recorded.
  const total = PAIRS * ROUND_TRIPS * 2;
  const lat = new Float64Array(total);
  const sentAt = new Float64Array(total);
  let received = 0;
  const blobFor = (slot: number) => {
    const b = randomBytes(BLOB_BYTES);
    b.writeUInt32BE(slot, 0);
    return b.toString("base64url");
  };
  const te = performance.now();
  const serverCpu0 = pids.reduce((s, pid) => s + cpuMs(pid), 0);
  const clientCpu0 = process.cpuUsage();
  await new Promise<void>((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error(`${name}: exchange exceeded the time bound (${received}/${total})`)), Math.max(1000, deadline - Date.now()));
    const arrive = (b64: string) => {
      const slot = Buffer.from(b64.slice(0, 8), "base64url").readUInt32BE(0);
      lat[received++] = performance.now() - sentAt[slot]!;
      if (received === total) {
        clearTimeout(guard);
        resolve();
      }
      return slot;
    };
    hosts.forEach((h, i) => {
      const k = joiners[i]!;
      const m = mailboxes[i]!;
      const base = i * ROUND_TRIPS * 2;
      let hop = 0;
      const send = (from: Client) => {
        const slot = base + hop++;
        sentAt[slot] = performance.now();
        from.post(m, blobFor(slot));
      };
      k.onBlob = (b64) => {
        arrive(b64);
        send(k);
      };
      h.onBlob = (b64) => {
        arrive(b64);
        if (hop < ROUND_TRIPS * 2) send(h);
      };
      send(h);
    });
  });
  const exchangeMs = performance.now() - te;
  const serverCpu = pids.reduce((s, pid) => s + cpuMs(pid), 0) - serverCpu0;
  const clientCpuUs = process.cpuUsage(clientCpu0);
  const clientCpu = (clientCpuUs.user + clientCpuUs.system) / 1000;
  const errors = [...hosts, ...joiners].reduce((s, c) => s + c.errors, 0);
  const closed = [...hosts, ...joiners].map((c) => new Promise<void>((resolve) => (c.ws.readyState === c.ws.CLOSED ? resolve() : c.ws.once("close", () => resolve()))));
  for (const c of [...hosts, ...joiners]) c.ws.close();
  await Promise.all(closed);
  const sorted = lat.slice(0, received).sort();
  const clients = PAIRS * 2;
  return {
    scenario: name,
    relays: relays.length,
    clients,
    pairs: PAIRS,
    roundTrips: ROUND_TRIPS,
    blobBytes: BLOB_BYTES,
    connectMs: Math.round(connectMs),
    pairingsPerSecond: Math.round(PAIRS / (pairMs / 1000)),
    messages: received,
    messagesPerSecond: Math.round(received / (exchangeMs / 1000)),
    restP50Ms: +pct(Float64Array.from(restLat), 50).toFixed(3),
    restP99Ms: +pct(Float64Array.from(restLat), 99).toFixed(3),
    p50Ms: +pct(sorted, 50).toFixed(2),
    p99Ms: +pct(sorted, 99).toFixed(2),
    maxMs: +(sorted[sorted.length - 1] ?? NaN).toFixed(2),
    rssIdleMiB: +(rssIdle / 2 ** 20).toFixed(1),
    rssLoadedMiB: +(rssLoaded / 2 ** 20).toFixed(1),
    rssPerConnectionKiB: +((rssLoaded - rssIdle) / clients / 1024).toFixed(1),
    clientErrors: errors,
    exchangeMs: Math.round(exchangeMs),
    serverCpuUsPerMessage: +((serverCpu * 1000) / received).toFixed(1),
    clientCpuUsPerMessage: +((clientCpu * 1000) / received).toFixed(1),
  };
}

async function withRedisPrefix<T>(fn: (prefix: string) => Promise<T>): Promise<T> {
  const prefix = `lethe-bench:${randomBytes(6).toString("hex")}:`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  try {
    return await fn(prefix);
  } finally {
    const keys: string[] = [];
    let cursor = "0";
    do {
      const [next, ks] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      keys.push(...ks);
    } while (cursor !== "0");
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  }
}

async function main(): Promise<void> {
  const results: Result[] = [];
  const run = async (name: string, start: () => Promise<RelayChild[]>) => {
    const relays = await start();
    try {
      process.stderr.write(`${name}: ${PAIRS * 2} clients...\n`);
      results.push(await scenario(name, relays));
    } finally {
      await Promise.all(relays.map((r) => r.stop()));
    }
  };
  await run("memory, 1 relay", async () => [await spawnRelay([])]);
  // RELAY_BENCH_ONLY_MEMORY=1: a quick look at the memory store alone (no results file).
  const onlyMemory = Boolean(process.env["RELAY_BENCH_ONLY_MEMORY"]);
  if (!onlyMemory) {
    await withRedisPrefix((prefix) => run("redis, 1 relay", async () => [await spawnRelay(["--redis", REDIS_URL, "--redis-prefix", prefix])]));
    await withRedisPrefix((prefix) =>
      run("redis, 2 relays", async () => Promise.all([spawnRelay(["--redis", REDIS_URL, "--redis-prefix", prefix]), spawnRelay(["--redis", REDIS_URL, "--redis-prefix", prefix])])),
    );
  }

  const cols: [keyof Result, string][] = [
    ["scenario", "scenario"],
    ["clients", "clients"],
    ["pairingsPerSecond", "pairings/s"],
    ["messagesPerSecond", "msgs/s"],
    ["restP50Ms", "p50 ms 1 pair"],
    ["restP99Ms", "p99 ms 1 pair"],
    ["p50Ms", "p50 ms all"],
    ["p99Ms", "p99 ms all"],
    ["rssIdleMiB", "RSS idle MiB"],
    ["rssLoadedMiB", "RSS loaded MiB"],
    ["rssPerConnectionKiB", "KiB/conn"],
    ["serverCpuUsPerMessage", "relay CPU µs/msg"],
    ["clientErrors", "errors"],
  ];
  const rows = [cols.map((c) => c[1]), ...results.map((r) => cols.map((c) => String(r[c[0]])))];
  const widths = cols.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => "| " + row.map((v, i) => v.padEnd(widths[i]!)).join(" | ") + " |";
  const table = [line(rows[0]!), "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|", ...rows.slice(1).map(line)].join("\n");
  process.stdout.write(`\nrelay bench (${QUICK ? "quick" : "full"}): ${PAIRS} pairs, ${ROUND_TRIPS} round trips of ${BLOB_BYTES} B blobs each, loopback, Node ${process.version}, load average ${loadavg().map((x) => x.toFixed(1)).join(" ")}\n${table}\n`);
  if (onlyMemory) return;
  const file = fileURLToPath(new URL(QUICK ? "./relay-results.quick.json" : "./relay-results.json", import.meta.url));
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), quick: QUICK, node: process.version, loadavg: loadavg(), results }, null, 2) + "\n");
  process.stdout.write(`wrote ${file}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
