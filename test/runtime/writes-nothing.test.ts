/**
 * Promise 1 of DESIGN §1, "nothing is stored": a full two-engine session runs in a child Node
 * process that has no file-system write permission (Node 20 permission model:
 * `--experimental-permission --allow-fs-read=*`) and completes. The session script is bundled
 * with esbuild first (tsx would write its cache), into a temp dir this test process owns.
 */
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = fileURLToPath(new URL(".", import.meta.url));

function run(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("writes nothing", () => {
  it("a full session completes in a child process without file-system write permission", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lethe-nowrite-"));
    try {
      const out = join(dir, "session.mjs");
      await build({
        entryPoints: [join(here, "fixtures", "no-write-session.ts")],
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node20",
        outfile: out,
        logLevel: "silent",
        // vitest is imported by the testing entry's compliance suites but never called here.
        external: ["vitest"],
        banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      });
      const r = await run(process.execPath, ["--experimental-permission", "--allow-fs-read=*", out]);
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
