/**
 * Two devices on a real (virtual) LAN: two network namespaces joined by a veth pair, each
 * device a separate Node process. They find each other through real multicast mDNS across the
 * veth, pair their LAN signaling over the host's WebSocket, open a werift data channel pinned
 * to their interface addresses and exchange messages. And an advertiser killed with SIGTERM
 * withdraws its record: a browser in the other namespace sees it go down.
 */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createVethLan, type VethLan } from "../helpers/netns.js";

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

const script = (name: string) => `test/mdns/scripts/${name}.ts`;

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

it("two engines as two OS processes in two namespaces pair over mDNS + LAN signaling and sync over werift", async () => {
  const env = { LETHE_NETNS: "veth" };
  const host = lan.a.spawnTs(script("engine-device"), ["host", lan.a.address], { env, timeoutMs: 50_000 });
  const code = (await host.line(/^code: /)).slice("code: ".length);
  const joiner = await lan.b.runTs(script("engine-device"), ["join", lan.b.address, code], { env, timeoutMs: 50_000 });
  const hostOut = await host.exited;
  if (joiner.code !== 0 || hostOut.code !== 0) console.log(hostOut, joiner);
  expect(hostOut.code).toBe(0);
  expect(joiner.code).toBe(0);
  const hash = (out: string) => /^doc-hash: ([0-9a-f]{64})$/m.exec(out)?.[1];
  expect(hash(hostOut.stdout)).toBeDefined();
  expect(hash(hostOut.stdout)).toBe(hash(joiner.stdout));
  expect(hostOut.stdout).toContain("ended: user");
  expect(joiner.stdout).toContain("ended: peerEnded");
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
