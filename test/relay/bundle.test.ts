/**
 * `lethe relay` ships as one bundle (scripts/bundle-relay.ts -> dist/cli/relay.mjs): built here
 * the same way, it must import nothing but Node's built-ins and the packages it leaves outside
 * (ws, ioredis, pino) — effect and our own modules are inside — and it must run: listen, greet a
 * client, host a nameplate, refuse bad options with RelayCliError (effect's Schema, inside), stop
 * on SIGTERM with exit code 0.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { WebSocket } from "ws";
import { beforeAll, describe, expect, it } from "vitest";
import { RELAY_BUNDLE_EXTERNAL, bundleRelay } from "../../scripts/bundle-relay.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
// Inside the repo, so the packages left outside resolve from its node_modules as they would from dist.
const BUNDLE = `${ROOT}node_modules/.cache/lethe-test/relay.mjs`;
const RUNNER = `const { runRelayCli } = await import(process.argv[1]);
try { await runRelayCli(process.argv.slice(2)); } catch (e) { process.stderr.write(e.name + ": " + e.message); process.exitCode = 2; }`;

function runBundle(args: string[]) {
  const child = spawn(process.execPath, ["--input-type=module", "-e", RUNNER, BUNDLE, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.once("exit", (code) => resolve({ code, stderr: err })));
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout.on("data", () => {
      const m = /listening on (ws:\/\/\S+)\n/.exec(out);
      if (m) resolve(m[1]!);
    });
    void exited.then((r) => reject(new Error(`exited ${r.code} before listening: ${r.stderr}`)));
  });
  listening.catch(() => {}); // a run that is meant to exit (bad options) never listens; its awaiter still sees the rejection
  return { child, exited, listening };
}

/** The next `n` frames a client receives, parsed. */
function frames(ws: WebSocket, n: number): Promise<Record<string, unknown>[]> {
  const got: Record<string, unknown>[] = [];
  return new Promise((resolve, reject) => {
    ws.on("error", reject);
    ws.on("message", (d) => {
      got.push(JSON.parse(String(d)) as Record<string, unknown>);
      if (got.length === n) resolve(got);
    });
  });
}

describe("the relay bundle `lethe relay` ships", { timeout: 60_000 }, () => {
  beforeAll(async () => {
    await bundleRelay(`${ROOT}src/relay/cli.ts`, BUNDLE);
  });

  it("imports only Node's built-ins and the packages it leaves outside", () => {
    const text = readFileSync(BUNDLE, "utf8");
    const specifiers = new Set([...text.matchAll(/(?:^|\n)\s*import\s[^;]*?from\s*"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1] ?? m[2]!));
    expect(specifiers.size).toBeGreaterThan(0);
    for (const s of specifiers) expect(s.startsWith("node:") || RELAY_BUNDLE_EXTERNAL.includes(s), s).toBe(true);
    expect([...specifiers].some((s) => s.startsWith("effect"))).toBe(false);
    // effect is inside: its Schema is what words a refusal of --limits (tested below).
    expect(text).toContain("decodeUnknownResult");
  });

  it("listens, greets, hosts a nameplate, and stops on SIGTERM with 0", async () => {
    const relay = runBundle(["--port", "0", "--quiet"]);
    const url = await relay.listening;
    const ws = new WebSocket(url);
    const replies = frames(ws, 2);
    await new Promise<void>((resolve, reject) => ws.once("open", resolve).once("error", reject));
    ws.send(JSON.stringify({ t: "host", r: 1 }));
    const [welcome, hosted] = await replies;
    expect(welcome).toMatchObject({ t: "welcome", v: 1 });
    expect(hosted).toMatchObject({ t: "hosted", r: 1 });
    expect(String(hosted!["nameplate"])).toMatch(/^[1-9]\d*$/);
    ws.close();
    relay.child.kill("SIGTERM");
    expect((await relay.exited).code).toBe(0);
  });

  it("refuses bad options with RelayCliError, worded by the Schema inside", async () => {
    const r = await runBundle(["--limits", '{"maxBlobBytes":-1}']).exited;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^RelayCliError: --limits: /);
  });
});
