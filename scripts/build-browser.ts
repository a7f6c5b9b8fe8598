/**
 * Build the browser bundle: `npx tsx scripts/build-browser.ts` -> dist-browser/lethe.js (ESM,
 * minified, self-contained), with esbuild's metafile beside it (dist-browser/lethe.meta.json).
 *
 * Platform split: the entry is src/browser.ts. The relay adapter falls back to
 * `await import("ws")` when there is no global WebSocket (Node); browsers always have one, so
 * `ws` is replaced here by a stub that throws, and neither the ws client nor its server code
 * reaches the bundle. Every `node:*` import or Node-only package fails the build (FORBIDDEN);
 * test/adapters/transport/browser/bundle.test.ts checks the metafile independently.
 */
import { build, type Metafile, type Plugin } from "esbuild";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const REPO = fileURLToPath(new URL("..", import.meta.url));

/** Packages that must never reach a browser. */
export const FORBIDDEN = /^(node:|werift|bonjour-service|multicast-dns|ws$|ws\/|ioredis|@y\/websocket-server)/;
/** Node built-ins by bare name (esbuild's `platform: browser` would otherwise try to resolve them). */
const BUILTINS = new Set([
  "assert", "buffer", "child_process", "crypto", "dgram", "dns", "events", "fs", "http", "https", "net", "os",
  "path", "perf_hooks", "process", "stream", "tls", "url", "util", "worker_threads", "zlib",
]);

const wsStub: Plugin = {
  name: "lethe-ws-stub",
  setup(b) {
    b.onResolve({ filter: /^ws$/ }, () => ({ path: "ws", namespace: "lethe-stub" }));
    b.onLoad({ filter: /.*/, namespace: "lethe-stub" }, () => ({
      contents:
        'export const WebSocket = undefined; throw new Error("lethe browser build: no global WebSocket in this environment");',
      loader: "js",
    }));
  },
};

const refuseNode: Plugin = {
  name: "lethe-refuse-node",
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      const bare = args.path.split("/")[0] ?? "";
      if (args.path !== "ws" && (FORBIDDEN.test(args.path) || BUILTINS.has(bare))) {
        return { errors: [{ text: `browser build must not import ${JSON.stringify(args.path)} (from ${args.importer})` }] };
      }
      return undefined;
    });
  },
};

export interface BrowserBuildResult {
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly metafile: Metafile;
}

export interface BrowserBuildOptions {
  readonly entry?: string;
  readonly outfile?: string;
  readonly minify?: boolean;
}

export async function buildBrowser(options: BrowserBuildOptions = {}): Promise<BrowserBuildResult> {
  const outfile = options.outfile ?? `${REPO}dist-browser/lethe.js`;
  mkdirSync(dirname(outfile), { recursive: true });
  const result = await build({
    entryPoints: [options.entry ?? `${REPO}src/browser.ts`],
    outfile,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: options.minify ?? true,
    sourcemap: false,
    metafile: true,
    legalComments: "none",
    logLevel: "silent",
    plugins: [wsStub, refuseNode],
  });
  const metafile = result.metafile!;
  const code = readFileSync(outfile);
  writeFileSync(outfile.replace(/\.js$/, ".meta.json"), JSON.stringify(metafile));
  return { file: outfile, bytes: code.byteLength, gzipBytes: gzipSync(code).byteLength, metafile };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await buildBrowser();
  console.log(`${r.file}: ${(r.bytes / 1024).toFixed(1)} KiB, ${(r.gzipBytes / 1024).toFixed(1)} KiB gzipped`);
}
