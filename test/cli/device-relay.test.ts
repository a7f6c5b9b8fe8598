/**
 * `lethe device --relay`: two OS processes (the package CLI under tsx) pair through an opaque
 * relay on 127.0.0.1 and sync over werift pinned to loopback (`--interface 127.0.0.1`): the
 * scripted edits of both converge to the same doc-hash and both exit 0. Loopback only: no mDNS.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { expect, it } from "vitest";
import { loopbackRelay } from "./helpers.js";

const relay = loopbackRelay();

function device(args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/lethe.ts", "device", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const timer = setTimeout(() => child.kill("SIGKILL"), 40_000);
  let stdout = "";
  let stderr = "";
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  createInterface({ input: child.stdout }).on("line", (l) => {
    stdout += l + "\n";
    for (const w of waiters.filter((w) => w.re.test(l))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(l);
    }
  });
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
  return { exited, line: (re: RegExp) => new Promise<string>((resolve) => waiters.push({ re, resolve })) };
}

it("host and joiner as two processes over a relay on loopback: same doc-hash, exit 0", async () => {
  const host = device(["--host", "--relay", relay.url, "--interface", "127.0.0.1", "--edits", "test/cli/fixtures/host-edits.json"]);
  const code = (await Promise.race([host.line(/^code: /), host.exited.then((r) => { throw new Error(`host exited: ${JSON.stringify(r)}`); })])).slice(6);
  const joiner = await device(["--join", code, "--relay", relay.url, "--interface", "127.0.0.1", "--edits", "test/cli/fixtures/join-edits.json"]).exited;
  const h = await host.exited;
  if (h.code !== 0 || joiner.code !== 0) console.log(h, joiner);
  expect(h.code).toBe(0);
  expect(joiner.code).toBe(0);
  const hash = (out: string) => /^doc-hash: ([0-9a-f]{64})$/m.exec(out)?.[1];
  expect(hash(h.stdout)).toBeDefined();
  expect(hash(h.stdout)).toBe(hash(joiner.stdout));
  expect(h.stdout).toMatch(/^connected: werift-\d+$/m);
}, 60_000);
