/**
 * Processes for the relay bench: relays and the bare-ws floor in child processes (so CPU and RSS
 * are read from their own /proc/<pid>), and a private redis-server on a free loopback port (so
 * its command counts, read events and CPU belong to this run alone, not to other engineers'
 * tests sharing the machine's Redis).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { Redis } from "ioredis";

export interface Child {
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Start `node --import tsx ENTRY ARGS` (no tsx for a bundled `.mjs`/`.js` entry), behind
 * `launcher` when given (e.g. valgrind, which runs node in the same process: `pid` is node's),
 * and wait for its `listening on ws://…` line.
 */
export async function spawnListening(entry: string, args: string[], nodeArgs: string[] = [], launcher: string[] = []): Promise<Child> {
  const loader = /\.m?js$/.test(entry) ? [] : ["--import", "tsx"];
  const command = [...launcher, process.execPath, ...nodeArgs, ...loader, entry, ...args];
  const child = spawn(command[0]!, command.slice(1), { stdio: ["ignore", "pipe", "ignore"] });
  let out = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (ws:\/\/\S+)\n/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`${entry} exited ${code} before listening`)));
  });
  return {
    url,
    pid: child.pid!,
    child,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

const TICK_MS = 1000 / 100; // USER_HZ is 100 on Linux

/** utime + stime of a process, in ms. */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/** CPU time of every thread of `pid` so far, in µs (schedstat: ns, not the 10 ms ticks of /proc/<pid>/stat). */
export function cpuMicrosAllThreads(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // the thread ended between the listing and the read: its time is in no later reading either
    }
  }
  return ns / 1000;
}

function statusKiB(pid: number, field: string): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}
export const rssKiB = (pid: number) => statusKiB(pid, "VmRSS");
export const peakRssKiB = (pid: number) => statusKiB(pid, "VmHWM");

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", () => resolve()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export interface RedisCounters {
  /** Commands Redis executed (INFO commandstats, minus the bench's own INFO/CONFIG calls). */
  commands: number;
  /** Read events Redis processed: one per batch a client wrote (its request round trips). */
  reads: number;
  cpuMs: number;
}

export interface PrivateRedis {
  readonly url: string;
  readonly pid: number;
  /** Zero Redis's counters (CONFIG RESETSTAT) and note its CPU. */
  reset(): Promise<void>;
  /** Counters since the last reset. */
  read(): Promise<RedisCounters>;
  stop(): Promise<void>;
}

/** A redis-server of our own: no persistence, loopback only, a free port. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  const admin = new Redis(url, { maxRetriesPerRequest: 2, retryStrategy: (n) => (n > 50 ? null : 50) });
  // Refused connections while redis-server starts are expected (retryStrategy retries them);
  // without a listener ioredis prints each as "Unhandled error event". A server that never
  // comes up fails below: by its exit, or when the retries run out.
  admin.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    admin.once("ready", () => resolve());
    admin.once("end", () => reject(new Error(`could not connect to the bench's redis-server at ${url}`)));
    child.once("exit", () => reject(new Error("redis-server exited")));
  });
  let cpu0 = 0;
  return {
    url,
    pid: child.pid!,
    async reset() {
      await admin.config("RESETSTAT");
      cpu0 = cpuMs(child.pid!);
    },
    async read() {
      const cpu = cpuMs(child.pid!) - cpu0;
      const cmdstats = await admin.info("commandstats");
      const stats = await admin.info("stats");
      let commands = 0;
      for (const m of cmdstats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
        if (m[1] === "info" || m[1] === "config|resetstat" || m[1] === "config") continue;
        commands += Number(m[2]);
      }
      const reads = Number(/total_reads_processed:(\d+)/.exec(stats)?.[1] ?? NaN) - 2; // our two INFO calls
      return { commands, reads, cpuMs: cpu };
    },
    async stop() {
      await admin.quit().catch(() => {});
      child.kill("SIGTERM");
      await exited;
    },
  };
}
