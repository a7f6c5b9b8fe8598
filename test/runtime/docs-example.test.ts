/**
 * The complete example in docs/api.md runs as written (STYLE §14: examples cannot rot). The
 * block is taken from the doc, its `lethe-sync` import pointed at the source, and run.
 */
import { afterAll, expect, it, vi } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "lethe-docs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("docs/api.md: the complete example runs and does what it says", async () => {
  const md = readFileSync(join(root, "docs", "api.md"), "utf8");
  const section = md.slice(md.indexOf("## Complete example"));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(block).toBeDefined();
  const entry = pathToFileURL(join(root, "src", "runtime", "index.ts")).href;
  const file = join(dir, "example.ts");
  writeFileSync(file, block!.replace(/from "lethe-sync"/g, `from ${JSON.stringify(entry)}`) + "\nexport {};\n");
  const logs: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    logs.push(args.map(String).join(" "));
  });
  try {
    await import(/* @vite-ignore */ pathToFileURL(file).href);
  } finally {
    spy.mockRestore();
  }
  expect(logs.some((l) => /^type this on the phone: \d+-[a-z]+-[a-z]+$/.test(l))).toBe(true);
  expect(logs).toContain('phone sees {"theme":"dark"}');
  expect(logs).toContain("laptop event: connected");
  expect(logs).toContain("phone ended: peerEnded");
});
