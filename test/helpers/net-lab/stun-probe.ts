/**
 * NAT mapping probe, run inside a lab device namespace: `stun-probe.ts HOST:PORT HOST:PORT…`.
 * From ONE local UDP socket it sends a STUN Binding Request (RFC 8489) to each server in turn
 * and prints one JSON line: the local port and, per server, the reflexive address it reported
 * (XOR-MAPPED-ADDRESS). Equal public ports across servers = endpoint-independent mapping;
 * different ports = a new mapping per destination (symmetric NAT). A server that never answers
 * (strict firewall) is reported as `null` after a few retransmissions.
 */
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";

const MAGIC = 0x2112a442;
const ATTR_XOR_MAPPED = 0x0020;
const ATTR_MAPPED = 0x0001;

function bindingRequest(txid: Buffer): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt16BE(0x0001, 0);
  b.writeUInt16BE(0, 2);
  b.writeUInt32BE(MAGIC, 4);
  txid.copy(b, 8);
  return b;
}

/** The reflexive IPv4 address in a Binding Success Response, or undefined. */
function mappedAddress(msg: Buffer, txid: Buffer): { address: string; port: number } | undefined {
  if (msg.length < 20 || msg.readUInt16BE(0) !== 0x0101 || !msg.subarray(8, 20).equals(txid)) return undefined;
  let off = 20;
  const end = Math.min(msg.length, 20 + msg.readUInt16BE(2));
  let plain: { address: string; port: number } | undefined;
  while (off + 4 <= end) {
    const type = msg.readUInt16BE(off);
    const len = msg.readUInt16BE(off + 2);
    const v = msg.subarray(off + 4, off + 4 + len);
    if ((type === ATTR_XOR_MAPPED || type === ATTR_MAPPED) && len >= 8 && v[1] === 0x01) {
      const xor = type === ATTR_XOR_MAPPED;
      const port = v.readUInt16BE(2) ^ (xor ? MAGIC >>> 16 : 0);
      const raw = v.readUInt32BE(4) ^ (xor ? MAGIC : 0);
      const address = [raw >>> 24, (raw >>> 16) & 255, (raw >>> 8) & 255, raw & 255].join(".");
      if (xor) return { address, port };
      plain = { address, port };
    }
    off += 4 + len + ((4 - (len % 4)) % 4);
  }
  return plain;
}

const servers = process.argv.slice(2).map((s) => {
  const [host, port] = s.split(":");
  return { host: host!, port: Number(port ?? 3478) };
});
const socket = createSocket("udp4");
await new Promise<void>((resolve) => socket.bind(0, resolve));

const results: ({ server: string; address: string; port: number } | null)[] = [];
for (const server of servers) {
  const txid = randomBytes(12);
  const got = await new Promise<{ address: string; port: number } | undefined>((resolve) => {
    let tries = 0;
    const onMessage = (msg: Buffer) => {
      const m = mappedAddress(msg, txid);
      if (m) finish(m);
    };
    const send = () => {
      if (tries++ === 3) return finish(undefined);
      socket.send(bindingRequest(txid), server.port, server.host);
      timer = setTimeout(send, 200 * tries);
    };
    let timer: NodeJS.Timeout | undefined;
    const finish = (m: { address: string; port: number } | undefined) => {
      clearTimeout(timer);
      socket.off("message", onMessage);
      resolve(m);
    };
    socket.on("message", onMessage);
    send();
  });
  results.push(got === undefined ? null : { server: `${server.host}:${server.port}`, ...got });
}
process.stdout.write(JSON.stringify({ localPort: socket.address().port, mapped: results }) + "\n");
socket.close();
