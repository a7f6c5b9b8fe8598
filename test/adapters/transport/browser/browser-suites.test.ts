/**
 * Runs every Chromium suite (test/adapters/transport/browser/netns/*.netns.ts) inside a private network namespace
 * shaped for Chromium (helpers/browser-netns.ts), by re-executing vitest there, and counts what
 * left loopback: the namespace's only other interface must have transmitted nothing, while
 * loopback carried the suites' WebRTC and relay traffic.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { createBrowserNetns, type BrowserNetns } from "./helpers/browser-netns.js";
import { CHROMIUM } from "./netns/chromium.js";

let ns: BrowserNetns;
// To work on one suite: LETHE_BROWSER_ONLY=interop npx vitest run test/adapters/transport/browser/browser-suites.test.ts
const only = process.env.LETHE_BROWSER_ONLY ? [process.env.LETHE_BROWSER_ONLY] : [];
beforeAll(async () => {
  ns = await createBrowserNetns();
});
afterAll(async () => {
  await ns?.destroy();
});

it("Chromium suites pass inside a private namespace, and no packet leaves loopback", async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium`).toBe(true);
  const before = await ns.counters();
  const t0 = performance.now();
  const r = await ns.exec(
    [process.execPath, "node_modules/vitest/vitest.mjs", "run", "--config", "test/adapters/transport/browser/netns/vitest.browser.config.ts", ...only],
    { env: { LETHE_NETNS: ns.name, FORCE_COLOR: "0" }, timeoutMs: 290_000 },
  );
  const seconds = (performance.now() - t0) / 1000;
  const after = await ns.counters();
  console.log(r.stdout.split("\n").filter((l) => /✓|✗|×|Test Files|Tests|FAIL|Error|timing|screenshot|interop/.test(l)).join("\n"));
  if (r.code !== 0) console.log(r.stdout, r.stderr);
  const sent = (i: string) => (after[i]?.txPackets ?? 0) - (before[i]?.txPackets ?? 0);
  console.log(`browser suites: ${seconds.toFixed(1)} s; packets on lo ${sent("lo")}, left loopback (lbx0 tx) ${sent("lbx0")}`);
  expect(r.code).toBe(0);
  expect(sent("lo")).toBeGreaterThan(0);
  expect(sent("lbx0")).toBe(0);
  expect(Object.keys(after).sort()).toEqual(["lbx0", "lbx1", "lo"]);
}, 300_000);
