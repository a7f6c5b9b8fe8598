/**
 * Runs a code example from the docs as written (STYLE §14: examples cannot rot): takes the first
 * ```ts block under a heading (or a whole file under examples/), points its `lethe-sync…` imports
 * at the source files and other packages at this checkout's node_modules, writes it to a temp
 * dir, imports it, and returns what it printed with console.log.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { vi } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** Package specifiers the docs use, and the source file each stands for. */
const ENTRIES: Record<string, string> = {
  "lethe-sync": "src/runtime/index.ts",
  "lethe-sync/testing": "src/testing/index.ts",
  "lethe-sync/adapters/werift": "src/adapters/transport/werift/index.ts",
  "lethe-sync/adapters/relay": "src/adapters/signaling/relay/index.ts",
  "lethe-sync/bind": "src/bind/index.ts",
  "lethe-sync/relay": "src/relay/index.ts",
};
const requireHere = createRequire(join(root, "package.json"));

/** The first ```ts block after `heading` in `docFile` (relative to the repo root). */
export function docExample(docFile: string, heading: string): string {
  const md = readFileSync(join(root, docFile), "utf8");
  const at = md.indexOf(heading);
  if (at < 0) throw new Error(`${docFile} has no heading ${heading}`);
  const block = /```ts\n([\s\S]*?)```/.exec(md.slice(at))?.[1];
  if (block === undefined) throw new Error(`${docFile}: no ts block under ${heading}`);
  return block;
}

/** The example with its `lethe-sync…` imports pointed at the source files, other packages at node_modules. */
export function pointAtSource(block: string): string {
  return block.replace(/from "([^".][^"]*)"/g, (_, spec: string) => {
    if (spec.startsWith("node:")) return `from "${spec}"`;
    if (!spec.startsWith("lethe-sync")) return `from ${JSON.stringify(pathToFileURL(requireHere.resolve(spec)).href)}`;
    const target = ENTRIES[spec];
    if (target === undefined) throw new Error(`the example imports ${spec}, which has no source mapping`);
    return `from ${JSON.stringify(pathToFileURL(join(root, target)).href)}`;
  });
}

/**
 * Runs the example in a plain Node process (tsx for TypeScript, no test runner loaded) and
 * resolves with what it printed; rejects with its stderr if it fails.
 */
export function runDocExampleInNode(block: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "lethe-doc-"));
  const file = join(dir, "example.mts");
  writeFileSync(file, pointAtSource(block) + "\nexport {};\n");
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--import", "tsx", file], { cwd: root, timeout: 60_000 }, (err, stdout, stderr) => {
      rmSync(dir, { recursive: true, force: true });
      if (err) reject(new Error(`the example failed in plain Node: ${stderr || err.message}`));
      else resolve(stdout.split("\n").filter((l) => l.length > 0));
    });
  });
}

/** Import the example with its imports pointed at the source; resolves with its console.log lines. */
export async function runDocExample(block: string): Promise<string[]> {
  const source = pointAtSource(block);
  const dir = mkdtempSync(join(tmpdir(), "lethe-doc-"));
  const file = join(dir, "example.ts");
  writeFileSync(file, source + "\nexport {};\n");
  const logs: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    logs.push(args.map(String).join(" "));
  });
  try {
    await import(/* @vite-ignore */ pathToFileURL(file).href);
  } finally {
    spy.mockRestore();
    rmSync(dir, { recursive: true, force: true });
  }
  return logs;
}

/** A whole example file (relative to the repo root), run like a docs block. */
export function runExampleFile(file: string): Promise<string[]> {
  return runDocExample(readFileSync(join(root, file), "utf8"));
}
