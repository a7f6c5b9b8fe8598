/**
 * Run the `lethe` command as a person would: a child process of the package CLI under tsx, its
 * stdout read line by line; optionally inside a pseudo-terminal (`script`, util-linux) so that
 * stdin is a TTY and readline runs its interactive prompt with completion.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";
import { createRelayServer, type RelayServer } from "../../src/relay/index.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface LetheRun {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** Resolves with the first stdout line (from now or earlier) matching `re`. */
  line(re: RegExp): Promise<string>;
  /** Everything on stdout so far (in a pty: what the terminal showed, stderr included). */
  stdout(): string;
  write(text: string): void;
}

export interface LetheOptions {
  /** Run inside a pseudo-terminal (stdin and stdout are a TTY). */
  readonly tty?: boolean;
  /** Kill after this long (the test then fails on the exit code). Default 40 s. */
  readonly killAfterMs?: number;
  /** Leave stdin open as a pipe (default: a pipe that is closed at once unless tty). */
  readonly keepStdin?: boolean;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

export function lethe(args: readonly string[], o: LetheOptions = {}): LetheRun {
  const argv = [process.execPath, "--import", "tsx", "src/cli/lethe.ts", ...args];
  const child = o.tty
    // script: -q quiet, -f flush at once, -e the command's exit code, -c the command; no typescript file
    ? spawn("script", ["-qfec", argv.map(shellQuote).join(" "), "/dev/null"], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, TERM: "xterm", COLUMNS: "120", LINES: "40" } })
    : spawn(argv[0]!, argv.slice(1), { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
  if (!o.tty && !o.keepStdin) child.stdin!.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), o.killAfterMs ?? 40_000);
  let stdout = "";
  let stderr = "";
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on("line", (l) => {
    lines.push(l);
    for (const w of waiters.filter((w) => w.re.test(l))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(l);
    }
  });
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
  return {
    child,
    exited,
    line: (re) => {
      const seen = lines.find((l) => re.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        waiters.push({ re, resolve });
        void exited.then((r) => reject(new Error(`exited (${r.code}) before a line matched ${re}: ${r.stdout} ${r.stderr}`)));
      });
    },
    stdout: () => stdout,
    write: (text) => child.stdin!.write(text),
  };
}

/** A relay on loopback for the whole file: started before its tests, stopped after them. */
export function loopbackRelay(): { readonly url: string } {
  let server: RelayServer | undefined;
  let url = "";
  beforeAll(async () => {
    server = createRelayServer({ port: 0, host: "127.0.0.1", log: false });
    url = (await server.start()).url;
  });
  afterAll(async () => {
    await server?.stop();
  });
  return {
    get url() {
      return url;
    },
  };
}
