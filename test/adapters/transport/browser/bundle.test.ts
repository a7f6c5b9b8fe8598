/**
 * The browser bundle: builds dist-browser/lethe.js from src/browser.ts with the real build
 * script, then reads esbuild's metafile. No input may come from a Node built-in, werift,
 * bonjour-service/multicast-dns, ws or ioredis, and the output may import nothing at all
 * (a self-contained ESM file). Prints the size, minified and gzipped.
 */
import { expect, it } from "vitest";
import { buildBrowser } from "../../../../scripts/build-browser.js";

const FORBIDDEN_INPUT = /node_modules\/(werift|bonjour-service|multicast-dns|ws|ioredis|@y\/websocket-server)\//;

it("builds an ESM bundle with no Node built-ins, werift, bonjour-service, ws or ioredis", async () => {
  const r = await buildBrowser({ outfile: `${process.cwd()}/dist-browser/lethe.js` });
  const inputs = Object.keys(r.metafile.inputs);
  const outputs = Object.values(r.metafile.outputs);
  console.log(`browser bundle: ${inputs.length} inputs, ${(r.bytes / 1024).toFixed(1)} KiB min, ${(r.gzipBytes / 1024).toFixed(1)} KiB gzip`);
  expect(inputs.some((i) => i.endsWith("src/browser.ts"))).toBe(true);
  expect(inputs.some((i) => i.endsWith("src/adapters/transport/browser/transport.ts"))).toBe(true);
  expect(inputs.filter((i) => FORBIDDEN_INPUT.test(i))).toEqual([]);
  expect(inputs.filter((i) => i.startsWith("node:") || i.includes("src/adapters/transport/werift/") || i.includes("src/relay/server"))).toEqual([]);
  // Every import left in the output would have to be fetched by the browser: there must be none.
  for (const out of outputs) expect(out.imports.map((i) => i.path)).toEqual([]);
  for (const [file, input] of Object.entries(r.metafile.inputs)) {
    const bad = input.imports.filter((i) => i.path.startsWith("node:") || i.external === true);
    expect(bad, file).toEqual([]);
  }
  // The ws fallback of the relay adapter is replaced by a stub, never bundled.
  expect(inputs).toContain("lethe-stub:ws");
  expect(r.gzipBytes).toBeLessThan(160 * 1024);
});
