/**
 * `lethe device` processes in lab device namespaces, and the pairing of two of them: the host
 * prints its code, the joiner is started with it, both apply their scripted edits and exit when
 * converged. Every stdout line is time-stamped as it arrives, so a test can report how long a
 * step took (paired -> connected is ICE + DTLS + SCTP) without any sleep. The `path:` line each
 * prints once connected is parsed into local/remote candidate types.
 */
import type { ExecResult, SpawnedScript } from "../netns.js";
import type { LabDevice } from "./lab.js";

export interface DevicePath {
  readonly local: string;
  readonly remote: string;
  readonly protocol: string;
}

export interface DeviceRun {
  readonly proc: SpawnedScript;
  /** performance.now() when the first stdout line matching `re` arrived (call before it can arrive). */
  at(re: RegExp): Promise<number>;
  /** performance.now() of each stderr line, as it arrived. */
  readonly errLines: { readonly line: string; readonly t: number }[];
  /** Resolves on the first stderr line starting `error: ` (an engine error event). */
  readonly firstError: Promise<void>;
  readonly exited: Promise<ExecResult>;
}

const CLI = "src/cli/lethe.ts";
/** How long a joiner may outlive its host (it sees the end, or its peerGone timeout fires). */
const JOINER_GRACE_MS = 10_000;

export function runDevice(device: LabDevice, args: readonly string[], timeoutMs = 90_000): DeviceRun {
  const proc = device.ns.spawnTs(CLI, ["device", "--name", device.label, ...args], { timeoutMs });
  const errLines: { line: string; t: number }[] = [];
  let sawError!: () => void;
  const firstError = new Promise<void>((resolve) => (sawError = resolve));
  let partial = "";
  proc.child.stderr!.on("data", (d: Buffer) => {
    const t = performance.now();
    const parts = (partial + d.toString()).split("\n");
    partial = parts.pop()!;
    for (const line of parts) {
      errLines.push({ line, t });
      if (line.startsWith("error: ")) sawError();
    }
  });
  return {
    proc,
    errLines,
    firstError,
    exited: proc.exited,
    at: (re) => proc.line(re).then(() => performance.now()),
  };
}

export interface PairResult {
  readonly host: ExecResult;
  readonly joiner: ExecResult;
  readonly hostPath?: DevicePath;
  readonly joinerPath?: DevicePath;
  /** Joiner: `paired` -> `connected:` (ICE + DTLS + SCTP), ms; undefined if it never connected. */
  readonly connectMs?: number;
  /** Joiner: `paired` -> its first `error: …` line on stderr, ms, and that line. */
  readonly firstError?: { readonly ms: number; readonly line: string };
}

export function parsePath(stdout: string): DevicePath | undefined {
  const m = /^path: local=(\S+) remote=(\S+) protocol=(\S+) route=\S+$/m.exec(stdout);
  return m ? { local: m[1]!, remote: m[2]!, protocol: m[3]! } : undefined;
}

/** Host on `a`, joiner on `b`, each with `args` plus its own; resolves when both have exited. */
export async function pairDevices(
  a: LabDevice,
  b: LabDevice,
  common: readonly string[],
  own: { host?: readonly string[]; join?: readonly string[] } = {},
  /** "exit": wait until both exit; "firstError": stop both once the joiner reports its first error. */
  until: "exit" | "firstError" = "exit",
): Promise<PairResult> {
  const host = runDevice(a, ["--host", ...common, ...(own.host ?? [])]);
  const codeLine = await Promise.race([
    host.proc.line(/^code: /),
    host.exited.then((r) => {
      throw new Error(`host exited before printing a code: ${JSON.stringify(r)}`);
    }),
  ]);
  const joiner = runDevice(b, ["--join", codeLine.slice("code: ".length), ...common, ...(own.join ?? [])]);
  const paired = joiner.at(/^paired$/).catch(() => undefined);
  const connected = joiner.at(/^connected: /).catch(() => undefined);
  // A joiner whose host has gone (it ended, or gave up waiting) gets a grace period, no more.
  void host.exited.then(() => {
    const t = setTimeout(() => joiner.proc.kill("SIGKILL"), JOINER_GRACE_MS);
    void joiner.exited.then(() => clearTimeout(t));
  });
  if (until === "firstError") {
    void Promise.race([joiner.firstError, joiner.exited]).then(() => {
      joiner.proc.kill("SIGKILL");
      host.proc.kill("SIGKILL");
    });
  }
  const [h, j] = await Promise.all([host.exited, joiner.exited]);
  const p = await paired;
  const c = await connected;
  const e = joiner.errLines.find((l) => l.line.startsWith("error: "));
  return {
    host: h,
    joiner: j,
    ...(parsePath(h.stdout) ? { hostPath: parsePath(h.stdout)! } : {}),
    ...(parsePath(j.stdout) ? { joinerPath: parsePath(j.stdout)! } : {}),
    ...(p !== undefined && c !== undefined ? { connectMs: c - p } : {}),
    ...(p !== undefined && e !== undefined ? { firstError: { ms: e.t - p, line: e.line } } : {}),
  };
}
