/**
 * y-websocket, what users would pick instead (perf-baselines.md §5): `@y/websocket-server`'s own
 * server script run unchanged in a child process (HOST=127.0.0.1), and two `WebsocketProvider`
 * clients in this process with `WebSocketPolyfill: ws` (Node 20 has no global WebSocket) and
 * `disableBc: true` (else the two providers would talk over a BroadcastChannel and skip the
 * server). Unencrypted, loopback TCP, one extra hop (client → server → client).
 */
import { fork, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";

const require = createRequire(import.meta.url);

export interface YwsServer {
  readonly port: number;
  readonly pid: number;
  /** CPU ms the server process has used so far (from /proc, user + system). */
  cpuMs(): number;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function procCpuMs(pid: number): number {
  try {
    const stat = require("node:fs").readFileSync(`/proc/${pid}/stat`, "utf8") as string;
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
    return (ticks * 1000) / 100; // CLK_TCK is 100 on Linux
  } catch {
    return NaN;
  }
}

/** Start the official server script in a child process and wait until it listens. */
export async function startYwsServer(): Promise<YwsServer> {
  const script = path.join(path.dirname(require.resolve("@y/websocket-server/package.json")), "src", "server.js");
  const port = await freePort();
  const child: ChildProcess = fork(script, [], {
    env: { ...process.env, HOST: "127.0.0.1", PORT: String(port) },
    stdio: ["ignore", "pipe", "inherit", "ipc"],
    execArgv: [],
  });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("running at")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`y-websocket server exited early (${code})`)));
  });
  return {
    port,
    pid: child.pid!,
    cpuMs: () => procCpuMs(child.pid!),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

export interface YwsPair {
  readonly a: Y.Doc;
  readonly b: Y.Doc;
  close(): void;
}

const synced = (p: WebsocketProvider): Promise<void> =>
  new Promise((resolve) => {
    if (p.synced) return resolve();
    const on = (s: boolean) => {
      if (s) {
        p.off("sync", on);
        resolve();
      }
    };
    p.on("sync", on);
  });

/** Two clients on one fresh room, both synced with the server. */
export async function connectYwsPair(server: YwsServer, room: string): Promise<YwsPair> {
  const url = `ws://127.0.0.1:${server.port}`;
  const a = new Y.Doc();
  const b = new Y.Doc();
  const opts = { WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket, disableBc: true };
  const pa = new WebsocketProvider(url, room, a, opts);
  const pb = new WebsocketProvider(url, room, b, opts);
  await Promise.all([synced(pa), synced(pb)]);
  return {
    a,
    b,
    close() {
      pa.destroy();
      pb.destroy();
      a.destroy();
      b.destroy();
    },
  };
}
