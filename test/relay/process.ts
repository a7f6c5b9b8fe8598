/**
 * Run `lethe relay` (runRelayCli) in a child process, as an operator would: wait for its
 * `listening on ws://…` line, capture its stderr logs, stop it with SIGTERM.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const ENTRY = fileURLToPath(new URL("./fixtures/run-relay.ts", import.meta.url));

export interface RelayProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the relay wrote to stderr (its structured logs). */
  stderr(): string;
  stdout(): string;
  /** SIGTERM, then resolve with the exit code. */
  stop(): Promise<number | null>;
}

export async function spawnRelay(args: string[]): Promise<RelayProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", ENTRY, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (ws:\/\/\S+)\n/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`relay exited (${code}) before listening: ${err}`)));
  });
  let stopping: Promise<number | null> | undefined;
  return {
    url,
    child,
    stderr: () => err,
    stdout: () => out,
    stop() {
      if (!stopping) {
        child.kill("SIGTERM");
        stopping = exited;
      }
      return stopping;
    },
  };
}
