/**
 * Private network namespaces for tests that need real packets off loopback semantics —
 * multicast mDNS, a LAN between two "devices" — without ever touching the machine's own network.
 *
 * Two shapes, both created with `ip netns add` (root only; CI runs as root):
 *   - `createNetns()`: one namespace with only `lo`, up, multicast on, and a route for
 *     224.0.0.0/4 via `lo` so mDNS (224.0.0.251:5353) loops back inside it.
 *   - `createVethLan()`: two namespaces joined by a veth pair (`lethe0` in each, 10.77.N.1/24
 *     and 10.77.N.2/24, multicast on, 224.0.0.0/4 routed on the veth): two "devices" on one
 *     LAN segment. The veth is created directly inside the namespaces (`ip -n … link add …
 *     netns …`), so the root namespace never sees an interface appear.
 *
 * Code runs inside with `ns.exec(argv)` (any command) or `ns.runTs(file, args)`, which starts
 * `node --import tsx FILE` under `ip netns exec` and resolves with its exit code, stdout and
 * stderr (also `ns.spawnTs` for a long-running child whose stdout lines you await). A vitest
 * test therefore writes the in-namespace side as a small TypeScript script and asserts on what
 * it prints (`ns.spawn(argv)` starts any other long-running command, e.g. a server). `destroy()` kills children still running and deletes the namespace(s); anything
 * left over is deleted at process exit too. Names are `lethe-<pid>-<n>`, so parallel test
 * files never collide.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const REPO = fileURLToPath(new URL("../..", import.meta.url));
const TSX_IMPORT = "tsx";

export interface ExecResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: Readonly<Record<string, string>>;
  /** Kill the child (SIGKILL) after this long; default 20 s. */
  readonly timeoutMs?: number;
  /** "pipe": the test writes to the child's stdin (`child.stdin`); default ignored. */
  readonly stdin?: "pipe";
}

export interface SpawnedScript {
  readonly child: ChildProcess;
  /** Resolves with the first stdout line matching `re` (rejects if the child exits first). */
  line(re: RegExp): Promise<string>;
  /** Resolves when the child exits. */
  readonly exited: Promise<ExecResult>;
  /** Everything the child printed on stdout so far. */
  output(): string;
  kill(signal?: NodeJS.Signals): void;
}

export interface Netns {
  readonly name: string;
  /** The address other namespaces reach this one at (127.0.0.1 for a single namespace). */
  readonly address: string;
  /** The interface name mDNS/ICE should use inside (lo or lethe0). */
  readonly iface: string;
  exec(argv: readonly string[], options?: RunOptions): Promise<ExecResult>;
  runTs(file: string, args?: readonly string[], options?: RunOptions): Promise<ExecResult>;
  spawnTs(file: string, args?: readonly string[], options?: RunOptions): SpawnedScript;
  /** Any long-running command (a server) inside the namespace; same handle as spawnTs. */
  spawn(argv: readonly string[], options?: RunOptions): SpawnedScript;
}

export interface VethLan {
  readonly a: Netns;
  readonly b: Netns;
  destroy(): Promise<void>;
}

let counter = 0;
const existing = new Set<string>();
const children = new Set<ChildProcess>();

process.once("exit", () => {
  for (const c of children) c.kill("SIGKILL");
  for (const name of existing) {
    try {
      execFileSync("ip", ["netns", "del", name], { stdio: "ignore" });
    } catch {
      // already gone
    }
  }
});

function requireRoot(): void {
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    throw new Error("network namespace tests need root (ip netns add); CI runs them as root");
  }
}

async function ip(...args: string[]): Promise<void> {
  await run("ip", args);
}

function freshName(): string {
  return `lethe-${process.pid}-${++counter}`;
}

function spawnIn(name: string, argv: readonly string[], options: RunOptions = {}): SpawnedScript {
  const child = spawn("ip", ["netns", "exec", name, ...argv], {
    cwd: REPO,
    env: { ...process.env, ...options.env },
    stdio: [options.stdin ?? "ignore", "pipe", "pipe"],
  });
  children.add(child);
  let stdout = "";
  let stderr = "";
  const waiters: { re: RegExp; resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    stdout += line + "\n";
    for (const w of [...waiters]) {
      if (w.re.test(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
  timer.unref();
  const exited = new Promise<ExecResult>((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      for (const w of waiters.splice(0)) w.reject(new Error(`child exited (${code ?? signal}) before printing ${w.re}; stderr: ${stderr}`));
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    exited,
    output: () => stdout,
    kill: (signal = "SIGTERM") => void child.kill(signal),
    line: (re) =>
      new Promise<string>((resolve, reject) => {
        const seen = stdout.split("\n").find((l) => re.test(l));
        if (seen !== undefined) return resolve(seen);
        if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`child already exited; stderr: ${stderr}`));
        waiters.push({ re, resolve, reject });
      }),
  };
}

function handle(name: string, address: string, iface: string): Netns {
  const tsArgv = (file: string, args: readonly string[]) => [process.execPath, "--import", TSX_IMPORT, file, ...args];
  return {
    name,
    address,
    iface,
    exec: (argv, options) => spawnIn(name, argv, options).exited,
    runTs: (file, args = [], options) => spawnIn(name, tsArgv(file, args), options).exited,
    spawnTs: (file, args = [], options) => spawnIn(name, tsArgv(file, args), options),
    spawn: (argv, options) => spawnIn(name, argv, options),
  };
}

async function deleteNs(name: string): Promise<void> {
  for (const c of [...children]) {
    // children of this namespace were spawned as `ip netns exec NAME …`
    if (c.spawnargs[3] === name) c.kill("SIGKILL");
  }
  await run("ip", ["netns", "del", name]).catch(() => undefined);
  existing.delete(name);
}

/**
 * One private namespace with loopback only, multicast routed on lo. With `bare`, just `lo` up
 * (the caller adds its own links and routes, as the net lab does).
 */
export async function createNetns(options: { readonly bare?: boolean } = {}): Promise<Netns & { destroy(): Promise<void> }> {
  requireRoot();
  const name = freshName();
  await ip("netns", "add", name);
  existing.add(name);
  try {
    await ip("-n", name, "link", "set", "lo", "up");
    if (options.bare !== true) {
      await ip("-n", name, "link", "set", "lo", "multicast", "on");
      await ip("-n", name, "route", "add", "224.0.0.0/4", "dev", "lo");
    }
  } catch (e) {
    await deleteNs(name);
    throw e;
  }
  return { ...handle(name, "127.0.0.1", "lo"), destroy: () => deleteNs(name) };
}

/** Two namespaces joined by a veth pair: a two-device LAN with real multicast between them. */
export async function createVethLan(): Promise<VethLan> {
  requireRoot();
  const n = counter + 1;
  const nameA = freshName();
  const nameB = freshName();
  const subnet = `10.77.${(process.pid + n) % 250}`;
  const addrA = `${subnet}.1`;
  const addrB = `${subnet}.2`;
  await ip("netns", "add", nameA);
  existing.add(nameA);
  await ip("netns", "add", nameB);
  existing.add(nameB);
  try {
    await ip("-n", nameA, "link", "add", "lethe0", "type", "veth", "peer", "name", "lethe0", "netns", nameB);
    for (const [ns, addr] of [[nameA, addrA], [nameB, addrB]] as const) {
      await ip("-n", ns, "link", "set", "lo", "up");
      await ip("-n", ns, "addr", "add", `${addr}/24`, "dev", "lethe0");
      await ip("-n", ns, "link", "set", "lethe0", "multicast", "on");
      await ip("-n", ns, "link", "set", "lethe0", "up");
      await ip("-n", ns, "route", "add", "224.0.0.0/4", "dev", "lethe0");
    }
  } catch (e) {
    await deleteNs(nameA);
    await deleteNs(nameB);
    throw e;
  }
  return {
    a: handle(nameA, addrA, "lethe0"),
    b: handle(nameB, addrB, "lethe0"),
    destroy: async () => {
      await deleteNs(nameA);
      await deleteNs(nameB);
    },
  };
}
