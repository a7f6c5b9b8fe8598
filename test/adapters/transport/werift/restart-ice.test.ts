/**
 * ICE restart on a live werift connection after the path went dark and came back (inside a
 * private namespace, nftables drops the peers' UDP): the same channel goes on, the message that
 * was in flight during the outage arrives, the path is reported again. Without the adapter's
 * `RTCIceTransport.start()` after the exchange, werift 0.25 selects no pair and drops everything.
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

it("restartIce after an outage: same channel, the in-flight message arrives, a pair is selected again", async () => {
  const r = await ns.runTs("test/adapters/transport/werift/netns/restart-ice.ts", [], { timeoutMs: 25_000 });
  expect(r.code, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
  console.log(`timing: werift ICE restart ${out.restartMs} ms; in-flight message delivered ${out.inFlightDeliveredMs} ms after the restart began`);
  expect(out.droppedPackets).toBeGreaterThan(0); // the path really was dark
  expect(out.stateA).toBe("open");
  expect(out.stateB).toBe("open");
  const hostUdp = { kind: "ice", local: "host", remote: "host", protocol: "udp" };
  expect(out.pathA).toEqual(hostUdp);
  expect(out.pathsA[0]).toEqual(hostUdp);
  expect(out.pathsA.at(-1)).toEqual(hostUdp);
  expect(out.healthA).toEqual(["connected"]); // werift never reports `disconnected` (docs/transport.md)
}, 30_000);
