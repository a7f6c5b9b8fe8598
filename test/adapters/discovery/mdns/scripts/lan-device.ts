/**
 * One device for the two-namespace LAN test (started by test/adapters/discovery/mdns/lan-veth.test.ts inside its
 * own namespace): `host IFACE` or `join IFACE NAMEPLATE`. It finds its peer through mDNS, talks
 * LAN signaling over the host's WebSocket, opens a werift channel pinned to IFACE, exchanges a
 * message each way and prints what it saw, including every UDP destination and DNS lookup.
 */
import { firstValueFrom } from "rxjs";
import { lanSignaling, mdnsDiscovery } from "../../../../../src/adapters/discovery/mdns/index.js";
import { weriftTransport } from "../../../../../src/adapters/transport/werift/index.js";
import type { SignalingSession } from "../../../../../src/adapters/signaling/types.js";
import { installNetGuard } from "../../../transport/werift/net-guard.js";
import { assertPrivateNetns } from "../netns/guard.js";

assertPrivateNetns();
const guard = installNetGuard();
const [role, iface, nameplate] = process.argv.slice(2);
if ((role !== "host" && role !== "join") || iface === undefined) throw new Error("usage: host IFACE | join IFACE NAMEPLATE");

const discovery = mdnsDiscovery({ interface: iface })();
const signaling = lanSignaling({ discovery, interface: iface })();
const transport = weriftTransport({ interfaceAddress: iface })();
const enc = new TextEncoder();
const dec = new TextDecoder();

const pipeOf = (s: SignalingSession) => ({ send: (b: Uint8Array) => void s.send(b), received$: s.messages$ });

let session: SignalingSession;
const t0 = performance.now();
if (role === "host") {
  session = await signaling.host();
  console.log(`nameplate: ${session.nameplate}`);
  await session.peerJoined;
} else {
  session = await signaling.join(nameplate!);
  console.log(`joined: ${performance.now() - t0 | 0} ms`);
}
const t1 = performance.now();
const channel = await transport.connect({ role: role === "host" ? "offerer" : "answerer", signals: pipeOf(session) });
console.log(`channel: open in ${performance.now() - t1 | 0} ms`);
const incoming = firstValueFrom(channel.messages$);
channel.send(enc.encode(`hello from ${role} at ${iface}`));
console.log(`received: ${dec.decode(await incoming)}`);
if (role === "host") {
  // The host ends: the joiner sees a deliberate close.
  await firstValueFrom(channel.messages$).catch(() => undefined);
  channel.close();
  console.log(`closed: ${await channel.closed}`);
} else {
  channel.send(enc.encode("bye"));
  console.log(`closed: ${await channel.closed}`);
}
await session.close();
await signaling.close();
await discovery.close();
await transport.close();
guard.uninstall();
console.log(`udp: ${JSON.stringify(Object.fromEntries(guard.datagrams))}`);
console.log(`dns: ${JSON.stringify(guard.lookups)}`);
console.log(`uptime: ${process.uptime().toFixed(2)} s`);
