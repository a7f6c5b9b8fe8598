/**
 * LAN signaling's timers on the components' clock (src/adapters/signaling/lan/lan-signaling.ts):
 * a connection that never says hello is closed exactly `helloTimeoutMs` of the injected clock
 * after it arrives; a mailbox joiner whose socket dropped re-dials, and after a failed attempt
 * pauses REDIAL_PAUSE_MS × attempt on that clock before the next. Real WebSockets on loopback
 * (and a real TCP relay in between, cut to drop the socket); discovery is an in-process stand-in
 * (mDNS itself runs only in a private namespace: test/adapters/discovery/mdns/netns).
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import { firstValueFrom } from "rxjs";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { lanSignaling } from "../../../../src/adapters/signaling/lan/lan-signaling.js";
import { DiscoveryTimeoutError, type Discovery, type ServiceRecord } from "../../../../src/adapters/discovery/types.js";
import type { MailboxAuth } from "../../../../src/protocol/rendezvous.js";
import { WatchedClock } from "../../../helpers/watched-clock.js";

const LOOP = "127.0.0.1";
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Records what is advertised; find() answers from it, through `route` (and fails while `down`). */
function fakeDiscovery() {
  const records = new Map<string, ServiceRecord>();
  const state = { finds: 0, down: false, route: (r: ServiceRecord) => r };
  const discovery: Discovery = {
    kind: "fake",
    rejected: {},
    async advertise(r) {
      records.set(r.nameplate, { version: 1, ...r });
      return { withdraw: async () => void records.delete(r.nameplate) };
    },
    async find(nameplate) {
      state.finds++;
      const r = records.get(nameplate);
      if (state.down || r === undefined) throw new DiscoveryTimeoutError(`no ${nameplate}`);
      return state.route(r);
    },
    async close() {},
  };
  return { discovery, records, state };
}

/** A stand-in for the pairing's mailbox proofs: each side proves with a fixed tag. */
const auth: MailboxAuth = {
  prove: (side) => new Uint8Array(32).fill(side === "host" ? 1 : 2),
  verify: (side, _b, _j, _h, proof) => proof.length === 32 && proof.every((x) => x === (side === "host" ? 1 : 2)),
};

/** A TCP relay to `port` whose connections the test can cut (a network drop under the socket). */
async function tcpRelay(port: number): Promise<{ port: number; cut(): void; server: Server }> {
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = connect(port, LOOP);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => sockets.delete(s));
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((r) => server.listen(0, LOOP, r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return {
    port: (server.address() as { port: number }).port,
    cut: () => sockets.forEach((s) => s.destroy()),
    server,
  };
}

describe("lanSignaling on the components' clock", { timeout: 10_000 }, () => {
  it("closes a connection that never says hello after helloTimeoutMs of the injected clock", async () => {
    const clock = new WatchedClock();
    const { discovery, records } = fakeDiscovery();
    const lan = lanSignaling({ discovery, interface: LOOP, helloTimeoutMs: 5_000 })({ clock, random: (n) => new Uint8Array(n).fill(7) });
    cleanups.push(() => lan.close());
    const host = await lan.host();
    const rec = records.get(host.nameplate)!;
    const armed = clock.nextArmed(5_000);
    const silent = new WebSocket(`ws://${LOOP}:${rec.port}/`);
    silent.on("error", () => undefined);
    const closed = new Promise<number>((r) => silent.once("close", (code) => r(code)));
    await Promise.all([armed, new Promise((r) => silent.once("open", r))]); // accepted; the hello timeout is armed
    clock.advance(4_999);
    expect(clock.pendingDelays()).toEqual([1]);
    clock.advance(1);
    expect(await closed).toBe(4000); // CLOSE_BAD_HELLO
    expect(clock.pending).toBe(0);
  });

  it("draws the nameplate from components.random", async () => {
    const { discovery } = fakeDiscovery();
    const random = (n: number) => new Uint8Array(n); // all zero -> the smallest nameplate
    const lan = lanSignaling({ discovery, interface: LOOP })({ clock: new WatchedClock(), random });
    cleanups.push(() => lan.close());
    expect((await lan.host()).nameplate).toBe("1");
  });

  it("a dropped mailbox joiner re-dials, pausing on the injected clock after a failed attempt", async () => {
    const clock = new WatchedClock();
    const random = (n: number) => new Uint8Array(n).fill(9);
    const hostSide = fakeDiscovery();
    const lanHost = lanSignaling({ discovery: hostSide.discovery, interface: LOOP })({ clock, random });
    cleanups.push(() => lanHost.close());
    const id = "fedcba9876543210fedcba9876543210";
    const hostBox = await lanHost.mailbox(id, "host", { auth });
    const [rec] = [...hostSide.records.values()];
    const relay = await tcpRelay(rec!.port);
    // The joiner finds the host through the cuttable relay.
    const joinSide = fakeDiscovery();
    joinSide.state.route = (r) => ({ ...r, port: relay.port });
    joinSide.records.set(rec!.nameplate, rec!);
    const lanJoin = lanSignaling({ discovery: joinSide.discovery, interface: LOOP })({ clock, random });
    cleanups.push(() => lanJoin.close());
    const joinBox = await lanJoin.mailbox(id, "join", { auth });
    expect(joinSide.state.finds).toBe(1);

    // The network drops; the host is not findable for the first re-dial.
    joinSide.state.down = true;
    const paused = clock.nextArmed(250);
    relay.cut();
    await paused; // attempt 1 failed: pause 250 ms × 1 on the injected clock
    expect(joinSide.state.finds).toBe(2);
    joinSide.state.down = false;
    await hostBox.send(new TextEncoder().encode("while you were away")); // held for the joiner
    clock.advance(249);
    expect(joinSide.state.finds).toBe(2);
    const got = firstValueFrom(joinBox.messages$);
    clock.advance(1); // the pause ends: attempt 2 finds the host, proves again, and gets the held blob
    expect(new TextDecoder().decode(await got)).toBe("while you were away");
    expect(joinSide.state.finds).toBe(3);
  });
});
