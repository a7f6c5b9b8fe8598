/**
 * Runs every in-namespace mDNS suite (test/adapters/discovery/mdns/netns/*.netns.ts: discovery compliance and
 * hostile records, LAN signaling compliance and hostile hellos, two engines pairing over mDNS +
 * LAN signaling + werift) inside one private network namespace, by re-executing vitest there
 * through the namespace helper. mDNS never touches the machine's real network.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createNetns, type Netns } from "../../../helpers/netns.js";

let ns: Netns & { destroy(): Promise<void> };
beforeAll(async () => {
  ns = await createNetns();
});
afterAll(async () => {
  await ns?.destroy();
});

it("mDNS discovery, LAN signaling and LAN engine suites pass inside a private namespace", async () => {
  const r = await ns.exec(
    [process.execPath, "node_modules/vitest/vitest.mjs", "run", "--config", "test/adapters/discovery/mdns/netns/vitest.netns.config.ts"],
    { env: { LETHE_NETNS: ns.name }, timeoutMs: 110_000 },
  );
  if (r.code !== 0) console.log(r.stdout, r.stderr);
  else console.log(r.stdout.split("\n").filter((l) => /Test Files|Tests|✓|LAN \(/.test(l)).join("\n"));
  expect(r.stdout).toMatch(/Test Files\s+.*3 passed/);
  expect(r.code).toBe(0);
}, 120_000);
