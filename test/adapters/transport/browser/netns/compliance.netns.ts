/**
 * The adapter-neutral Transport compliance suite, run by real Chromium on `browserTransport`:
 * the page bundles src/testing/compliance/transport.ts unchanged (vitest aliased to a small
 * shim), this file lists the suite's tests from the page and runs each one there by name.
 * Both transports live in one page: two RTCPeerConnections over the namespace's own address.
 */
import { afterAll, describe, expect, it } from "vitest";
import { assertBrowserNetns } from "./guard.js";
import { launchChromium } from "./chromium.js";
import { bundlePage } from "./page-build.js";
import { serveStatic } from "./static-server.js";

assertBrowserNetns();
const js = await bundlePage("compliance-page.ts");
const server = await serveStatic({
  "/": { type: "text/html", body: '<!doctype html><meta charset="utf-8"><script type="module" src="/c.js"></script>' },
  "/c.js": { type: "text/javascript", body: js },
});
const browser = await launchChromium();
const page = await browser.newPage();
await page.goto(server.url);
await page.waitForFunction(() => "complianceTests" in globalThis);
const names = await page.evaluate(() => (globalThis as unknown as { complianceTests(): string[] }).complianceTests());

afterAll(async () => {
  await browser.close();
  await server.close();
});

describe("Transport compliance in Chromium", () => {
  it("the page registered the whole suite", () => {
    expect(names.length).toBeGreaterThanOrEqual(10);
  });
  for (const name of names) {
    it(name, async () => {
      const failure = await page.evaluate(
        (n) => (globalThis as unknown as { runCompliance(n: string): Promise<string | null> }).runCompliance(n),
        name,
      );
      expect(failure).toBeNull();
    });
  }
});
