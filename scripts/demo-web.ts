/**
 * The demo web app in one command: `npx tsx scripts/demo-web.ts [--port 8080] [--relay-port 8787]`.
 * Builds demo/app.ts with the browser entry (esbuild, same rules as the browser bundle), starts
 * an in-memory relay on 127.0.0.1 and serves the page on 127.0.0.1; prints the URL. Open it in
 * two browser windows (or two browsers), host in one, type the code in the other.
 *
 * `startDemo()` is also what the end-to-end tests use (test/adapters/transport/browser/netns/demo.netns.ts).
 */
import { readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRelayServer } from "../src/relay/index.js";
import { buildBrowser } from "./build-browser.js";

const REPO = fileURLToPath(new URL("..", import.meta.url));

export interface DemoOptions {
  readonly port?: number;
  readonly relayPort?: number;
  readonly host?: string;
}

export interface RunningDemo {
  readonly url: string;
  readonly relayUrl: string;
  readonly bundleBytes: number;
  stop(): Promise<void>;
}

export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const host = options.host ?? "127.0.0.1";
  const out = join(tmpdir(), `lethe-demo-${process.pid}.js`);
  const built = await buildBrowser({ entry: `${REPO}demo/app.ts`, outfile: out });
  const app = readFileSync(out);
  rmSync(out, { force: true }); // served from memory; leave no file behind
  rmSync(out.replace(/\.js$/, ".meta.json"), { force: true });
  const relay = createRelayServer({ host, port: options.relayPort ?? 0, log: false });
  const { url: relayUrl } = await relay.start();
  const html = readFileSync(`${REPO}demo/index.html`, "utf8").replace("%RELAY_URL%", relayUrl);
  const css = readFileSync(`${REPO}demo/style.css`);
  const files: Record<string, [string, string | Buffer]> = {
    "/": ["text/html; charset=utf-8", html],
    "/index.html": ["text/html; charset=utf-8", html],
    "/style.css": ["text/css", css],
    "/app.js": ["text/javascript", app],
  };
  const server = createServer((req, res) => {
    const f = files[(req.url ?? "/").split("?")[0]!];
    if (f === undefined) return void res.writeHead(404).end("not found");
    res.writeHead(200, { "content-type": f[0], "cache-control": "no-store" }).end(f[1]);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/`,
    relayUrl,
    bundleBytes: built.bytes,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await relay.stop();
    },
  };
}

function flag(name: string): number | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const port = flag("--port") ?? 8080;
  const relayPort = flag("--relay-port") ?? 8787;
  const demo = await startDemo({ port, relayPort });
  console.log(`Lethe demo: ${demo.url}  (relay ${demo.relayUrl}; bundle ${(demo.bundleBytes / 1024).toFixed(0)} KiB)`);
  console.log("Open it in two windows: host in one, type the code in the other. Ctrl-C stops.");
  const stop = () => void demo.stop().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
