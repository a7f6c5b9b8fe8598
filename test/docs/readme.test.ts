/**
 * The host-app example in README.md runs as written (STYLE §14: examples cannot rot): its
 * `lethe-sync…` imports are pointed at the source, a relay is started on loopback, and the block
 * runs two engines over werift (loopback only) with signaling through that relay.
 */
import { afterAll, expect, it, vi } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createRelayServer } from "../../src/relay/index.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "lethe-readme-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entries: Record<string, string> = {
  "lethe-sync": "src/runtime/index.ts",
  "lethe-sync/adapters/werift": "src/adapters/werift/index.ts",
  "lethe-sync/adapters/relay": "src/adapters/relay/index.ts",
};

it("README.md: the host-app example runs and does what it says", { timeout: 60_000 }, async () => {
  const md = readFileSync(join(root, "README.md"), "utf8");
  const section = md.slice(md.indexOf("## A host app in 20 lines"));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(block).toBeDefined();
  const source = block!.replace(/from "(lethe-sync[^"]*)"/g, (_, spec: string) => {
    const target = entries[spec];
    if (target === undefined) throw new Error(`README imports ${spec}, which this test does not map`);
    return `from ${JSON.stringify(pathToFileURL(join(root, target)).href)}`;
  });
  expect(source.split("\n").filter((l) => l.trim() !== "").length).toBeLessThanOrEqual(22);
  const file = join(dir, "example.ts");
  writeFileSync(file, source + "\nexport {};\n");

  const relay = createRelayServer({ port: 0, host: "127.0.0.1", log: false });
  const { url } = await relay.start();
  process.env["LETHE_RELAY"] = url;
  const logs: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    logs.push(args.map(String).join(" "));
  });
  try {
    await import(/* @vite-ignore */ pathToFileURL(file).href);
  } finally {
    spy.mockRestore();
    delete process.env["LETHE_RELAY"];
    await relay.stop();
  }
  expect(logs).toContain('phone sees {"theme":"dark"}');
  expect(logs).toContain("phone ended: peerEnded");
});
