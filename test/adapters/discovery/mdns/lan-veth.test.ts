/**
 * Two devices on a real (virtual) LAN: two network namespaces joined by a veth pair, each
 * device a separate Node process. They find each other through real multicast mDNS across the
 * veth, pair their LAN signaling over the host's WebSocket, open a werift data channel pinned
 * to their interface addresses and exchange messages. And an advertiser killed with SIGTERM
 * withdraws its record: a browser in the other namespace sees it go down. The `lethe device`
 * CLI runs as two processes there too: they converge to the same doc-hash, and a SIGKILLed
 * peer makes the other end with peerGone and wipe.
 */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createVethLan, type VethLan } from "../../../helpers/netns.js";

let lan: VethLan;
beforeAll(async () => {
  lan = await createVethLan();
});
afterAll(async () => {
  await lan?.destroy();
  // The helper leaves nothing behind: both namespaces (and with them the veth pair) are gone.
  const left = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
  expect(left).not.toContain(lan.a.name);
  expect(left).not.toContain(lan.b.name);
});

const script = (name: string) => `test/adapters/discovery/mdns/scripts/${name}.ts`;

it("host and joiner in two namespaces: mDNS across the veth, LAN signaling, werift channel, messages both ways", async () => {
  const env = { LETHE_NETNS: "veth" };
  const t0 = performance.now();
  const host = lan.a.spawnTs(script("lan-device"), ["host", lan.a.address], { env, timeoutMs: 40_000 });
  const line = await host.line(/^nameplate: /);
  const nameplate = line.slice("nameplate: ".length);
  const joiner = await lan.b.runTs(script("lan-device"), ["join", lan.b.address, nameplate], { env, timeoutMs: 40_000 });
  const tj = performance.now();
  const hostOut = await host.exited;
  console.log(`timing: joiner process done ${(tj - t0) | 0} ms, host exited ${(performance.now() - t0) | 0} ms`);
  if (joiner.code !== 0 || hostOut.code !== 0) console.log(hostOut, joiner);
  console.log(`host:\n${hostOut.stdout}joiner:\n${joiner.stdout}`);
  expect(hostOut.code).toBe(0);
  expect(joiner.code).toBe(0);
  expect(hostOut.stdout).toContain(`received: hello from join at ${lan.b.address}`);
  expect(joiner.stdout).toContain(`received: hello from host at ${lan.a.address}`);
  expect(hostOut.stdout).toContain("closed: local");
  expect(joiner.stdout).toContain("closed: remote");
  // Off-host traffic: only the peer's address and the mDNS group; no name was looked up.
  for (const [out, peer] of [[hostOut.stdout, lan.b.address], [joiner.stdout, lan.a.address]] as const) {
    const udp = JSON.parse(/^udp: (.*)$/m.exec(out)![1]!) as Record<string, number>;
    expect(Object.keys(udp).sort()).toEqual([peer, "224.0.0.251"].sort());
    expect(/^dns: (.*)$/m.exec(out)![1]).toBe("[]");
  }
}, 60_000);

const CLI = "src/cli/lethe.ts";
const hashOf = (out: string) => /^doc-hash: ([0-9a-f]{64})$/m.exec(out)?.[1];

it("`lethe device --host` / `--join CODE` as two OS processes in two namespaces: edits both ways, same doc-hash, exit 0", async () => {
  const env = { LETHE_NETNS: "veth" };
  const host = lan.a.spawnTs(CLI, ["device", "--host", "--interface", lan.a.address, "--edits", "test/cli/fixtures/host-edits.json"], { env, timeoutMs: 50_000 });
  const code = (await host.line(/^code: /)).slice("code: ".length);
  expect(code).toMatch(/^\d+-[a-z]+-[a-z]+$/);
  const joiner = await lan.b.runTs(CLI, ["device", "--join", code, "--interface", lan.b.address, "--edits", "test/cli/fixtures/join-edits.json"], { env, timeoutMs: 50_000 });
  const hostOut = await host.exited;
  if (joiner.code !== 0 || hostOut.code !== 0) console.log(hostOut, joiner);
  expect(hostOut.code).toBe(0);
  expect(joiner.code).toBe(0);
  expect(hashOf(hostOut.stdout)).toBeDefined();
  expect(hashOf(hostOut.stdout)).toBe(hashOf(joiner.stdout));
  // The hash is of the doc holding both sides' edits (recomputed here from the two files).
  const { canonicalJson } = await import("../../../../src/cli/device-doc.js");
  const { createHash } = await import("node:crypto");
  const expected = {
    prefs: { theme: "dark", fontSize: 14, language: "de", reduceMotion: true },
    tabs: { pinned: "https://example.org/", lastClosed: null },
  };
  expect(hashOf(hostOut.stdout)).toBe(createHash("sha256").update(canonicalJson(expected)).digest("hex"));
  expect(hostOut.stdout).toContain("ended: user");
  expect(joiner.stdout).toContain("ended: peerEnded");
  for (const out of [hostOut.stdout, joiner.stdout]) expect(out).toMatch(/^wiped: [1-9]\d* key buffers zeroed, doc destroyed$/m);
}, 70_000);

it("one device SIGKILLed mid-session: the other ends with peerGone after the liveness timeout, wipes, exits non-zero", async () => {
  const env = { LETHE_NETNS: "veth" };
  const host = lan.a.spawnTs(CLI, ["device", "--host", "--interface", lan.a.address, "--stay", "--peer-gone-ms", "6000"], { env, timeoutMs: 50_000 });
  const code = (await host.line(/^code: /)).slice("code: ".length);
  const joiner = lan.b.spawnTs(CLI, ["device", "--join", code, "--interface", lan.b.address, "--stay", "--peer-gone-ms", "6000"], { env, timeoutMs: 50_000 });
  await joiner.line(/^connected: /);
  await host.line(/^doc-hash: /); // mid-session: converged, and --stay keeps it open
  const killedAt = performance.now();
  joiner.kill("SIGKILL");
  expect((await joiner.exited).signal).toBe("SIGKILL");
  const hostOut = await host.exited;
  const waited = performance.now() - killedAt;
  if (hostOut.code === 0) console.log(hostOut);
  expect(hostOut.stdout).toContain("ended: peerGone");
  expect(hostOut.stdout).toMatch(/^wiped: [1-9]\d* key buffers zeroed, doc destroyed$/m);
  expect(hostOut.code).toBe(3);
  expect(waited).toBeGreaterThanOrEqual(4_500); // not before the liveness timeout (6 s from the last frame: pings every 2 s, so at least 4 s after the kill)
}, 70_000);

it("SIGTERM withdraws the advertisement: a browser in the other namespace sees it go down", async () => {
  const env = { LETHE_NETNS: "veth" };
  const watcher = lan.b.spawnTs(script("watch"), [lan.b.address], { env, timeoutMs: 30_000 });
  await watcher.line(/^watching/);
  const adv = lan.a.spawnTs(script("advertise"), [lan.a.address, "321"], { env, timeoutMs: 30_000 });
  await adv.line(/^advertised/);
  expect(await watcher.line(/^up 321/)).toBe(`up 321 from ${lan.a.address}`);
  adv.kill("SIGTERM");
  const advExit = await adv.exited;
  expect(advExit.signal).toBe("SIGTERM"); // the handler re-raised the signal after the goodbye
  expect(await watcher.line(/^down /)).toBe("down 321");
  expect((await watcher.exited).code).toBe(0);
}, 40_000);
