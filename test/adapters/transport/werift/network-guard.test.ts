/**
 * Proof that a werift session through the adapter sends nothing off loopback and looks up no
 * name: every datagram and DNS lookup in this process is recorded while two transports pair,
 * exchange data and close. A control run with a bare werift RTCPeerConnection (the same
 * loopback recipe, `iceServers: []`, but without the adapter's per-connection pin) shows the
 * recorder does catch werift's fallback to stun.l.google.com, and that the adapter's override
 * did not leak into werift globally. A werift that grows a STUN server behind the pin's back is
 * refused by the fail-closed check (`assertNoStrayStun`).
 */
import { afterEach, beforeEach, expect, test } from "vitest";
import { firstValueFrom } from "rxjs";
import { Connection, RTCPeerConnection } from "werift";
import { weriftTransport } from "../../../../src/adapters/transport/werift/index.js";
import { installNetGuard, type NetRecord } from "./net-guard.js";
import { pipePair } from "./pipes.js";

let guard: NetRecord;
beforeEach(() => {
  guard = installNetGuard();
});
afterEach(() => guard.uninstall());

const onlyLoopback = (rec: NetRecord) => [...rec.datagrams.keys()].every((k) => k === "127.0.0.1");
const datagramCount = (rec: NetRecord) => [...rec.datagrams.values()].reduce((a, b) => a + b, 0);

test("a werift session through the adapter: zero DNS lookups of any name, every datagram to 127.0.0.1", async () => {
  const ta = weriftTransport({ loopbackOnly: true })();
  const tb = weriftTransport({ loopbackOnly: true })();
  const pipes = pipePair();
  const [a, b] = await Promise.all([
    ta.connect({ role: "offerer", signals: pipes.a }),
    tb.connect({ role: "answerer", signals: pipes.b }),
  ]);
  const got = firstValueFrom(b.messages$);
  a.send(new Uint8Array(1024).fill(7));
  expect((await got).byteLength).toBe(1024);
  a.close();
  expect(await b.closed).toBe("remote");
  await Promise.all([ta.close(), tb.close()]);

  expect(guard.lookups).toEqual([]);
  // Node's dgram normalises each destination through dns.lookup; all of them are the loopback literal.
  expect(new Set(guard.literalLookups)).toEqual(new Set(["127.0.0.1"]));
  expect(datagramCount(guard)).toBeGreaterThan(10); // ICE checks, DTLS, SCTP really went through the recorder
  expect(onlyLoopback(guard)).toBe(true);
});

test("the same session with the adapter's ICE options but no hostile defaults: still no lookup (wider interface)", async () => {
  // interfaceAddress alone (not loopbackOnly): the mode a LAN uses, pinned to one address.
  const ta = weriftTransport({ interfaceAddress: "127.0.0.1" })();
  const tb = weriftTransport({ interfaceAddress: "127.0.0.1" })();
  const pipes = pipePair();
  const [a] = await Promise.all([
    ta.connect({ role: "offerer", signals: pipes.a }),
    tb.connect({ role: "answerer", signals: pipes.b }),
  ]);
  a.close();
  await Promise.all([ta.close(), tb.close()]);
  expect(guard.lookups).toEqual([]);
  expect(onlyLoopback(guard)).toBe(true);
});

test("control: bare werift with iceServers: [] does look up stun.l.google.com (the recorder sees it; the adapter's fix is not global)", async () => {
  const LOOP = "127.0.0.1";
  const pc = new RTCPeerConnection({
    iceServers: [],
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: [LOOP],
    iceInterfaceAddresses: { udp4: LOOP },
  });
  pc.createDataChannel("control");
  await pc.setLocalDescription(await pc.createOffer());
  await pc.close();
  expect(guard.lookups).toContain("stun.l.google.com");
  // The refused lookup means no STUN packet could leave either.
  expect(onlyLoopback(guard)).toBe(true);
});

test("a STUN server the app configures is used (the per-connection pin only removes werift's default)", async () => {
  // A minimal STUN responder on loopback: answers Binding requests with XOR-MAPPED-ADDRESS.
  const dgram = await import("node:dgram");
  const server = dgram.createSocket("udp4");
  let requests = 0;
  server.on("message", (msg, rinfo) => {
    if (msg.length < 20 || msg.readUInt16BE(0) !== 0x0001) return;
    requests++;
    const res = Buffer.alloc(32);
    res.writeUInt16BE(0x0101, 0); // Binding success
    res.writeUInt16BE(12, 2);
    msg.copy(res, 4, 4, 20); // magic cookie + transaction id
    res.writeUInt16BE(0x0020, 20); // XOR-MAPPED-ADDRESS
    res.writeUInt16BE(8, 22);
    res.writeUInt8(0x01, 25); // IPv4
    res.writeUInt16BE(rinfo.port ^ 0x2112, 26);
    const ip = rinfo.address.split(".").map(Number);
    res.writeUInt32BE((((ip[0]! << 24) | (ip[1]! << 16) | (ip[2]! << 8) | ip[3]!) ^ 0x2112a442) >>> 0, 28);
    server.send(res, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => server.bind(0, "127.0.0.1", () => r()));
  const port = server.address().port;
  try {
    const opts = { interfaceAddress: "127.0.0.1", iceServers: [{ urls: `stun:127.0.0.1:${port}` }] };
    const ta = weriftTransport(opts)();
    const tb = weriftTransport(opts)();
    const pipes = pipePair();
    const [a, b] = await Promise.all([
      ta.connect({ role: "offerer", signals: pipes.a }),
      tb.connect({ role: "answerer", signals: pipes.b }),
    ]);
    const got = firstValueFrom(b.messages$);
    a.send(Uint8Array.of(9));
    expect(await got).toEqual(Uint8Array.of(9));
    a.close();
    await Promise.all([ta.close(), tb.close()]);
    expect(requests).toBeGreaterThanOrEqual(2); // both sides asked the configured server
    expect(guard.lookups).toEqual([]);
    expect(onlyLoopback(guard)).toBe(true);
  } finally {
    server.close();
  }
});

test("fail closed: a STUN server werift holds after gathering that the app did not configure fails the connect", async () => {
  // Simulates a werift whose fallback the per-connection pin no longer catches: after gathering
  // (so no packet goes anywhere), werift's own ICE Connection holds a server nobody configured.
  const proto = Connection.prototype as unknown as { gatherCandidates(this: { stunServer?: unknown }): Promise<void> };
  const original = proto.gatherCandidates;
  proto.gatherCandidates = async function (this: { stunServer?: unknown }) {
    await original.call(this);
    this.stunServer = ["127.0.0.1", 3478];
  };
  const ta = weriftTransport({ loopbackOnly: true })();
  try {
    let offerSent!: () => void;
    const offered = new Promise<string>((resolve) => (offerSent = () => resolve("the offer left")));
    const pipes = pipePair((_from, bytes) => {
      offerSent();
      return bytes;
    });
    // Either the connect fails closed, or the offer leaves (the check is gone): never a wait.
    const outcome = await Promise.race([
      ta.connect({ role: "offerer", signals: pipes.a }).then(() => "connected", (e: unknown) => e),
      offered,
    ]);
    expect(outcome).toMatchObject({ name: "ConnectFailedError" });
    expect(pipes.sent).toEqual([]); // nothing gathered with the stray server was used
    expect(ta.stats.channelsOpened).toBe(0);
  } finally {
    proto.gatherCandidates = original;
    await ta.close();
  }
  expect(guard.lookups).toEqual([]);
  expect(onlyLoopback(guard)).toBe(true);
});
