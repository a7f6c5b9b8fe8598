/**
 * Promise 1 of DESIGN §1, "nothing is stored": a full two-engine session runs in a child Node
 * process that has no file-system write permission (Node 20 permission model:
 * `--experimental-permission --allow-fs-read=*`) and completes. The session script is bundled
 * with esbuild first (tsx would write its cache), into a temp dir this test process owns.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleFixture, runProcess } from "../helpers/fixture-process.js";

const here = fileURLToPath(new URL(".", import.meta.url));

describe("writes nothing", () => {
  it("a full session completes in a child process without file-system write permission", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lethe-nowrite-"));
    try {
      const out = join(dir, "session.mjs");
      await bundleFixture(join(here, "fixtures", "no-write-session.ts"), out);
      const r = await runProcess(process.execPath, ["--experimental-permission", "--allow-fs-read=*", out]);
      const line = r.stdout.trim().split("\n").at(-1) ?? "";
      const result = JSON.parse(line || "{}") as Record<string, unknown>;
      expect(result, r.stderr.slice(0, 2000)).toMatchObject({ ok: true, synced: true, writeRefused: true, permissionModel: true });
      expect(result["reasons"]).toEqual(["inactivity", "inactivity"]);
      expect(r.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
