/**
 * `lethe relay` as an operator runs it (runRelayCli in a child process): prints the listening
 * line, applies --limits, serves /healthz, shuts down gracefully on SIGTERM (clients get `bye`,
 * exit code 0), and refuses bad arguments with a typed error.
 */
import { describe, expect, it } from "vitest";
import { runRelayCli } from "../../src/relay/cli.js";
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

  it("refuses bad arguments with RelayCliError before listening", async () => {
    for (const args of [["--port", "http"], ["--port", "70000"], ["--ttl", "61"], ["--limits", "{"], ["--limits", '{"maxBlobBytes":-1}'], ["--limits", '{"nope":1}'], ["--frobnicate"]]) {
      await expect(runRelayCli(args), args.join(" ")).rejects.toMatchObject({ name: "RelayCliError" });
    }
  });
});
