/**
 * End to end in real Chromium, through the demo web app and a live relay on 127.0.0.1:
 * two pages pair by typing the code and sync preferences, the recording and UI state both ways,
 * also after a key rotation;
 * a wrong code shows the wrong-code error on both; ending on one side wipes both (every key
 * buffer the engine ever held is zero, no resource left, no engine left). Screenshots of the
 * main states go to docs/img/.
 */
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { startDemo, type RunningDemo } from "../../../../../scripts/demo-web.js";
import { listFor } from "../../../../../src/adapters/crypto/words.js";
import { assertBrowserNetns } from "./guard.js";
import { launchChromium, type LaunchedChromium } from "./chromium.js";

assertBrowserNetns();
const IMG = fileURLToPath(new URL("../../../../../docs/img/", import.meta.url));
mkdirSync(IMG, { recursive: true });

let demo: RunningDemo;
let browser: LaunchedChromium;
beforeAll(async () => {
  demo = await startDemo();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

async function openDemo(): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewportSize({ width: 1100, height: 760 });
  await page.goto(demo.url);
  await page.locator("#host").waitFor();
  return page;
}

async function host(page: Page): Promise<string> {
  await page.click("#host");
  const code = page.locator("#code");
  await code.filter({ hasText: /^\d+-[a-z]+-[a-z]+$/ }).waitFor();
  return (await code.textContent()) ?? "";
}

async function typeCode(page: Page, code: string): Promise<void> {
  await page.locator("#code-input").pressSequentially(code);
  await page.click("#join");
}

const shot = (page: Page, name: string) => page.screenshot({ path: `${IMG}${name}.png` });

interface Wipe {
  reason: string;
  keyStoreWiped: boolean;
  secretBuffers: number;
  allZero: boolean;
  liveResources: string[];
}
const lastWipe = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { letheDemo: { lastWipe(): Wipe | null } }).letheDemo.lastWipe());
const hasEngine = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { letheDemo: { hasEngine(): boolean } }).letheDemo.hasEngine());

describe("demo web app in Chromium", () => {
  it("two pages pair by typing the code, sync both ways, and ending on one side wipes both", async () => {
    const a = await openDemo();
    const b = await openDemo();
    await shot(a, "demo-start");
    const t0 = performance.now();
    const code = await host(a);
    await shot(a, "demo-pairing-code");
    await typeCode(b, code);
    await a.locator("#session").waitFor();
    await b.locator("#session").waitFor();
    console.log(`timing: browser<->browser code typed -> both connected ${(performance.now() - t0).toFixed(0)} ms`);
    await expect.poll(() => a.locator("#status").textContent()).toBe("connected");

    // a -> b: preferences and the open panel
    await a.selectOption("#pref-theme", "dark");
    await a.selectOption("#pref-model", "whisper-large-v3");
    await a.click('#panels button[data-panel="transcript"]');
    await b.locator("#ui-panel", { hasText: "transcript" }).waitFor();
    await b.locator("body.dark").waitFor();
    expect(await b.inputValue("#pref-model")).toBe("whisper-large-v3");
    // b -> a: the recording and the language
    await b.fill("#rec-title", "Weekly standup");
    await b.selectOption("#pref-language", "de");
    await b.click("#rec-start");
    await a.locator("#rec-status", { hasText: "recording" }).waitFor();
    await expect.poll(() => a.inputValue("#rec-title")).toBe("Weekly standup");
    await expect.poll(() => a.inputValue("#pref-language")).toBe("de");
    await expect.poll(() => a.locator("#a-epoch").textContent()).toBe("0");
    expect(await a.locator("#a-connection").textContent()).toContain("browser-");
    // key rotation over native WebRTC: both move to epoch 1 and keep syncing
    await a.click("#rotate");
    await expect.poll(() => a.locator("#a-epoch").textContent()).toBe("1");
    await expect.poll(() => b.locator("#a-epoch").textContent()).toBe("1");
    await b.click('#panels button[data-panel="notes"]');
    await a.locator("#ui-panel", { hasText: "notes" }).waitFor();
    await shot(a, "demo-session-host");
    await shot(b, "demo-session-join");

    await a.click("#end");
    await a.locator("#ended").waitFor();
    await b.locator("#ended").waitFor();
    expect(await a.locator("#end-reason").textContent()).toBe("you ended it");
    expect(await b.locator("#end-reason").textContent()).toBe("the other device ended it");
    await shot(b, "demo-ended");
    for (const p of [a, b]) {
      const w = await lastWipe(p);
      expect(w?.keyStoreWiped).toBe(true);
      expect(w?.secretBuffers).toBeGreaterThan(0);
      expect(w?.allZero).toBe(true);
      expect(w?.liveResources).toEqual([]);
      expect(await hasEngine(p)).toBe(false);
      // nothing of the session remains on the page
      expect(await p.inputValue("#rec-title")).toBe("");
      expect(await p.locator("#code").textContent()).toBe("");
      expect(await p.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);
    }
    await a.close();
    await b.close();
  });

  it("a wrong code shows the wrong-code error on both", async () => {
    const a = await openDemo();
    const b = await openDemo();
    const code = await host(a);
    const [nameplate, w1, w2] = code.split("-");
    const other = listFor(1).find((w) => w.toLowerCase() !== w2)!.toLowerCase();
    await typeCode(b, `${nameplate}-${w1}-${other}`);
    await a.locator("#ended").waitFor();
    await b.locator("#ended").waitFor();
    expect(await a.locator("#end-reason").textContent()).toBe("wrong code");
    expect(await b.locator("#end-reason").textContent()).toBe("wrong code");
    expect(await b.locator("#error").getAttribute("data-error")).toBe("WrongCodeError");
    await shot(b, "demo-wrong-code");
    for (const p of [a, b]) {
      expect((await lastWipe(p))?.allZero).toBe(true);
      expect(await hasEngine(p)).toBe(false);
    }
    await a.close();
    await b.close();
  });
});
