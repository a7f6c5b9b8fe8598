/**
 * The demo web app in one command:
 *   npm run demo:web [-- --host ADDR] [--port 8080] [--relay-port 8787]
 * Builds demo/app.ts with the browser entry (esbuild, same rules as the browser bundle), starts
 * an in-memory relay and serves the page, both on ADDR (default 127.0.0.1); prints the URL.
 * Open it in two browser windows (or two browsers), host in one, type the code in the other.
 *
 * To use a real phone on your LAN: `--host 0.0.0.0` (or the laptop's LAN address) and open the
 * printed LAN URL on the phone. The page's relay URL follows the address the browser used
 * (the request's Host, checked to be a plain host name or IP literal), so the phone talks to the
 * relay on the same machine. The devices still need a direct path to each other (same Wi-Fi
 * without client isolation): no STUN or TURN server is configured.
 *
 * `startDemo()` is also what the end-to-end tests use (test/adapters/transport/browser/netns/demo.netns.ts).
 */
import { readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRelayServer } from "../src/relay/index.js";
import { buildBrowser } from "./build-browser.js";
import { faviconIco } from "./favicon.js";

const REPO = fileURLToPath(new URL("..", import.meta.url));

export interface DemoOptions {
  readonly port?: number;
  readonly relayPort?: number;
  readonly host?: string;
}

export interface RunningDemo {
  readonly url: string;
  /** The relay URL pages get when opened at `url` (it follows the address the browser used). */
  readonly relayUrl: string;
  readonly relayPort: number;
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
  const { url: listeningRelayUrl } = await relay.start();
  const relayPort = Number(new URL(listeningRelayUrl).port);
  const template = readFileSync(`${REPO}demo/index.html`, "utf8");
  const css = readFileSync(`${REPO}demo/style.css`);
  const files: Record<string, [string, string | Buffer]> = {
    "/style.css": ["text/css", css],
    "/app.js": ["text/javascript", app],
    "/favicon.ico": ["image/x-icon", faviconIco()],
  };
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (path === "/" || path === "/index.html") {
      const html = template.replace("%RELAY_URL%", relayUrlFor(req.headers.host, host, relayPort));
      return void res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(html);
    }
    const f = files[path];
    if (f === undefined) return void res.writeHead(404).end("not found");
    res.writeHead(200, { "content-type": f[0], "cache-control": "no-store" }).end(f[1]);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const shown = isWildcard(host) ? "127.0.0.1" : host;
  return {
    url: `http://${hostPart(shown)}:${port}/`,
    relayUrl: relayUrlFor(undefined, shown, relayPort),
    relayPort,
    bundleBytes: built.bytes,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await relay.stop();
    },
  };
}

const isWildcard = (host: string) => host === "0.0.0.0" || host === "::";
const hostPart = (host: string) => (host.includes(":") ? `[${host}]` : host);
/** A Host header we may echo into the page: a host name or an IP literal, optional port. */
const SAFE_HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** The relay URL for a page requested with `hostHeader`: same host the browser used, the relay's port. */
export function relayUrlFor(hostHeader: string | undefined, listenHost: string, relayPort: number): string {
  if (hostHeader !== undefined && SAFE_HOST.test(hostHeader)) {
    const name = hostHeader.startsWith("[") ? hostHeader.slice(0, hostHeader.indexOf("]") + 1) : hostHeader.split(":")[0]!;
    return `ws://${name}:${relayPort}`;
  }
  return `ws://${hostPart(isWildcard(listenHost) ? "127.0.0.1" : listenHost)}:${relayPort}`;
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function numberFlag(name: string, fallback: number): number {
  const v = flag(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`demo-web: ${name} must be a port number`);
    process.exit(2);
  }
  return n;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const port = numberFlag("--port", 8080);
  const relayPort = numberFlag("--relay-port", 8787);
  const host = flag("--host") ?? "127.0.0.1";
  const demo = await startDemo({ port, relayPort, host });
  console.log(`Lethe demo: ${demo.url}  (relay port ${demo.relayPort}; bundle ${(demo.bundleBytes / 1024).toFixed(0)} KiB)`);
  if (isWildcard(host) || host !== "127.0.0.1") {
    const lan = Object.values(networkInterfaces()).flat().filter((a) => a !== undefined && a.family === "IPv4" && !a.internal);
    const addresses = isWildcard(host) ? lan.map((a) => a!.address) : [host];
    for (const a of addresses) console.log(`  on another device: http://${hostPart(a)}:${new URL(demo.url).port}/`);
  }
  console.log("Open it in two windows: host in one, type the code in the other. Ctrl-C stops.");
  const stop = () => void demo.stop().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
