/**
 * Runs a code example from the docs as written (STYLE §14: examples cannot rot): takes the first
 * ```ts block under a heading, points its `lethe-sync…` imports at the source files, writes it to
 * a temp dir, imports it, and returns what it printed with console.log.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { vi } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** Package specifiers the docs use, and the source file each stands for. */
const ENTRIES: Record<string, string> = {
  "lethe-sync": "src/runtime/index.ts",
  "lethe-sync/adapters/werift": "src/adapters/transport/werift/index.ts",
  "lethe-sync/adapters/relay": "src/adapters/signaling/relay/index.ts",
};

/** The first ```ts block after `heading` in `docFile` (relative to the repo root). */
export function docExample(docFile: string, heading: string): string {
  const md = readFileSync(join(root, docFile), "utf8");
  const at = md.indexOf(heading);
  if (at < 0) throw new Error(`${docFile} has no heading ${heading}`);
  const block = /```ts\n([\s\S]*?)```/.exec(md.slice(at))?.[1];
  if (block === undefined) throw new Error(`${docFile}: no ts block under ${heading}`);
  return block;
}

/** Import the example with its imports pointed at the source; resolves with its console.log lines. */
export async function runDocExample(block: string): Promise<string[]> {
  const source = block.replace(/from "(lethe-sync[^"]*)"/g, (_, spec: string) => {
    const target = ENTRIES[spec];
    if (target === undefined) throw new Error(`the example imports ${spec}, which has no source mapping`);
    return `from ${JSON.stringify(pathToFileURL(join(root, target)).href)}`;
  });
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
