/**
 * `lethe relay` as an operator runs it (runRelayCli in a child process): prints the listening
 * line, applies --limits, serves /healthz, shuts down gracefully on SIGTERM (clients get `bye`,
 * exit code 0), listens with the backlog it was given, and refuses bad arguments with a typed
 * error.
 */

/** The listen backlog of the TCP socket listening on `port` (`ss` shows it as Send-Q). */
function listenBacklog(port: number): number {
  const line = execFileSync("ss", ["-ltnH", `sport = :${port}`], { encoding: "utf8" }).trim();
  const sendQ = line.split(/\s+/)[2];
  if (sendQ === undefined) throw new Error(`no listening socket on port ${port}: ${JSON.stringify(line)}`);
  return Number(sendQ);
}
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runRelayCli } from "../../src/relay/cli.js";
import { createRelayServer } from "../../src/relay/server.js";
import { getText, rawClient } from "./helpers.js";
import { spawnRelay } from "./process.js";

describe("lethe relay (CLI)", { timeout: 30_000 }, () => {
  it("listens, applies --limits, and on SIGTERM says bye to clients and exits 0", async () => {
    const r = await spawnRelay(["--port", "0", "--host", "127.0.0.1", "--limits", '{"maxBlobBytes":1000,"maxConnectionsPerAddress":5}']);
    expect(r.stdout()).toMatch(/^listening on ws:\/\/127\.0\.0\.1:\d+\n$/);
    const c = await rawClient(r.url);
    const m = "e".repeat(32);
    await c.req({ t: "open", m, side: "host" });
    expect(await c.req({ t: "post", m, b: Buffer.alloc(1001).toString("base64url") })).toMatchObject({ code: "too_large" });
    const health = await getText(r.url.replace("ws:", "http:") + "/healthz");
    expect(JSON.parse(health.body)).toMatchObject({ status: "ok", connections: 1 });
    const exit = r.stop();
    expect(await c.next((f) => f.t === "bye")).toEqual({ t: "bye", reason: "shutdown" });
    expect((await c.closed).code).toBe(1001);
    expect(await exit).toBe(0);
    const events = r.stderr().trim().split("\n").map((l) => JSON.parse(l) as { ev: string });
    expect(events.map((e) => e.ev)).toEqual(expect.arrayContaining(["listening", "limit", "shutdown", "conn.close"]));
  });

  it("listens with --backlog N, and by default with 4096 (or the kernel's cap, somaxconn)", async () => {
    const somaxconn = Number(readFileSync("/proc/sys/net/core/somaxconn", "utf8"));
    for (const [args, want] of [[["--backlog", "123"], 123], [[], Math.min(4096, somaxconn)]] as const) {
      const r = await spawnRelay(["--port", "0", "--quiet", ...args]);
      try {
        expect(listenBacklog(Number(new URL(r.url).port)), args.join(" ") || "default").toBe(want);
      } finally {
        await r.stop();
      }
    }
  });

  it("refuses bad arguments with RelayCliError before listening", async () => {
    expect(() => createRelayServer({ backlog: 0, log: false })).toThrow(RangeError);
    expect(() => createRelayServer({ backlog: 1.5, log: false })).toThrow(RangeError);
    for (const args of [["--backlog", "0"], ["--backlog", "70000"], ["--port", "http"], ["--port", "70000"], ["--ttl", "61"], ["--limits", "{"], ["--limits", '{"maxBlobBytes":-1}'], ["--limits", '{"nope":1}'], ["--frobnicate"]]) {
      await expect(runRelayCli(args), args.join(" ")).rejects.toMatchObject({ name: "RelayCliError" });
    }
  });
});
