/**
 * MONITOR on the real Redis over a plain socket. ioredis' `monitor()` switches its parser to
 * monitor mode one tick after the `+OK`; when other clients are busy (vitest runs the Redis
 * suites in parallel), a command line arriving in the same chunk as the `+OK` is taken as a
 * reply to nothing and ioredis throws "Command queue state error". Reading the lines ourselves
 * has no such window.
 */
import { connect } from "node:net";
import type { Redis } from "ioredis";

export interface MonitoredCommand {
  /** The command and its arguments, unescaped (binary bytes as latin1 characters). */
  readonly args: string[];
  /** `lua` for commands a script ran, else the client's address. */
  readonly source: string;
  /** The line as Redis printed it. */
  readonly raw: string;
}

export interface RedisMonitor {
  /** Resolves once every command `redis` sent before this call has been seen here. */
  sync(redis: Redis): Promise<void>;
  close(): Promise<void>;
}

const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", a: "\x07", b: "\b", '"': '"', "\\": "\\" };

/** `+1712.3 [0 127.0.0.1:5000] "SET" "k" "v\x00"` → args and source. */
export function parseMonitorLine(line: string): MonitoredCommand | undefined {
  const m = /^\+\d+\.\d+ \[\d+ ([^\]]+)\] (.*)$/.exec(line);
  if (!m) return undefined;
  const args: string[] = [];
  const text = m[2]!;
  let i = 0;
  while (i < text.length) {
    if (text[i] !== '"') {
      i++;
      continue;
    }
    let arg = "";
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === "\\") {
        const next = text[i + 1]!;
        if (next === "x") {
          arg += String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16));
          i += 4;
        } else {
          arg += ESCAPES[next] ?? next;
          i += 2;
        }
      } else arg += text[i++];
    }
    args.push(arg);
    i++;
  }
  return { args, source: m[1]!, raw: line };
}

export async function monitorRedis(url: string, onCommand: (command: MonitoredCommand) => void): Promise<RedisMonitor> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port || 6379) });
  const waiters = new Map<string, () => void>();
  let buffered = "";
  let ok!: () => void;
  let failed!: (e: Error) => void;
  const started = new Promise<void>((resolve, reject) => ((ok = resolve), (failed = reject)));
  socket.setEncoding("latin1");
  socket.once("error", (e) => failed(e));
  socket.on("data", (chunk: string) => {
    buffered += chunk;
    let end: number;
    while ((end = buffered.indexOf("\r\n")) >= 0) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      if (line === "+OK") ok();
      else if (line.startsWith("-")) failed(new Error(`MONITOR refused: ${line}`));
      const command = parseMonitorLine(line);
      if (!command) continue;
      onCommand(command);
      if (command.args[0]?.toLowerCase() === "echo") waiters.get(command.args[1] ?? "")?.();
    }
  });
  socket.write("MONITOR\r\n");
  await started;
  let n = 0;
  return {
    async sync(redis) {
      const token = `monitor-sync-${process.pid}-${++n}`;
      const seen = new Promise<void>((resolve) => waiters.set(token, resolve));
      await redis.echo(token);
      await seen;
      waiters.delete(token);
    },
    close: () =>
      new Promise<void>((resolve) => {
        socket.once("close", () => resolve());
        socket.end();
      }),
  };
}
