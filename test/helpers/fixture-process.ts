/**
 * Running a test fixture in a plain `node` child (V8 flags, permissions, a clean heap): bundle it
 * into one ESM file, run it, collect its output.
 */
import { spawn } from "node:child_process";
import { build } from "esbuild";

/** One ESM file for `node`. vitest stays external: the testing entry imports it, fixtures never call it. */
export async function bundleFixture(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile,
    logLevel: "silent",
    external: ["vitest"],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
}

export interface ProcessResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `cmd args` to its end; `stdin`, if given, is written and closed (else stdin is ignored). */
export function runProcess(cmd: string, args: readonly string[], stdin?: string): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    if (stdin !== undefined) child.stdin!.end(stdin);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
