/**
 * Debian's Chromium (through playwright-core, as test/adapters/transport/browser does) running inside a lab device
 * namespace: the executable playwright starts is a two-line wrapper that `exec`s
 * `ip netns exec <ns> /usr/bin/chromium`, so the browser's every socket lives behind the lab
 * router (its default route) while playwright drives it over the inherited pipe from the test
 * process. The page itself is served by playwright's request routing from memory at
 * http://127.0.0.1:8123/ (a secure context; no server, no packet).
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS } from "../../adapters/transport/browser/netns/chromium.js";
import { buildBrowser } from "../../../scripts/build-browser.js";
import { LAB, type LabDevice } from "./lab.js";

// Chromium's resolver rule maps every host, IP literals included, to NOTFOUND (no DNS query ever
// leaves); the lab's server addresses are excluded so the page can reach the relay and coturn.
const ARGS = [
  ...CHROMIUM_ARGS.filter((a) => !a.startsWith("--host-resolver-rules=")),
  `--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE ${LAB.relay}, EXCLUDE ${LAB.stun[0]}, EXCLUDE ${LAB.stun[1]}`,
];

export const PAGE_ORIGIN = "http://127.0.0.1:8123";

export interface LabChromium {
  readonly page: Page;
  close(): Promise<void>;
}

/** Bundle `entry` (a page module) with the browser build rules; the JS text. */
export async function bundlePage(entry: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "lethe-lab-page-"));
  try {
    const out = join(dir, "page.js");
    await buildBrowser({ entry: fileURLToPath(entry), outfile: out, minify: false });
    return readFileSync(out, "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function launchChromiumIn(device: LabDevice, script: string): Promise<LabChromium> {
  const dir = mkdtempSync(join(tmpdir(), "lethe-lab-chromium-"));
  const wrapper = join(dir, "chromium-in-netns");
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${device.ns.name} ${CHROMIUM} "$@"\n`);
  chmodSync(wrapper, 0o755);
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(join(dir, "profile"), { executablePath: wrapper, headless: true, args: ARGS });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  await context.route(`${PAGE_ORIGIN}/**`, (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === "/") return route.fulfill({ contentType: "text/html", body: '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>' });
    if (path === "/page.js") return route.fulfill({ contentType: "text/javascript", body: script });
    return route.fulfill({ status: 404, body: "" });
  });
  const page = await context.newPage();
  page.on("pageerror", (e) => console.log(`[page error] ${e.message}`));
  await page.goto(`${PAGE_ORIGIN}/`);
  await page.waitForFunction(() => "lab" in globalThis);
  return {
    page,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
