/**
 * werift 0.25 numbers its DTLS Finished (the first record of epoch 1) with the handshake's
 * running counter and then restarts at 0, so one later application record repeats the Finished's
 * (epoch, sequence) and a peer with an anti-replay window (Chromium) drops it (dtls-sequence.ts).
 * Two werift peers on loopback — one DTLS server, one client — with every outgoing record
 * recorded: no application record may reuse a sequence number its sender already used in that
 * epoch. The Chromium-side effect is asserted in test/browser/netns/transport-interop.netns.ts.
 */
import dgram from "node:dgram";
import { afterEach, expect, it } from "vitest";
import { firstValueFrom, filter } from "rxjs";
import { weriftTransport } from "../../../../src/adapters/transport/werift/index.js";
import { highestSequence } from "../../../../src/adapters/transport/werift/dtls-sequence.js";
import { pipePair } from "./pipes.js";

interface DtlsRecord {
  readonly type: number;
  readonly epoch: number;
  readonly seq: number;
}

const proto = dgram.Socket.prototype as unknown as { send: (...args: unknown[]) => unknown };
const originalSend = proto.send;
afterEach(() => {
  proto.send = originalSend;
});

/** Every DTLS record each local UDP port sends, in order (handshake retransmissions included). */
function recordDtls(): Map<number, DtlsRecord[]> {
  const bySender = new Map<number, DtlsRecord[]>();
  proto.send = function (this: dgram.Socket, ...args: unknown[]) {
    const msg = args[0];
    const bytes = Buffer.isBuffer(msg) ? msg : Array.isArray(msg) ? Buffer.concat(msg as Buffer[]) : undefined;
    // DTLS 1.2 records: content type 20..23, version 0xfefd.
    if (bytes !== undefined && bytes[0]! >= 20 && bytes[0]! <= 23 && bytes[1] === 0xfe) {
      const port = this.address().port;
      const list = bySender.get(port) ?? [];
      for (let at = 0; at + 13 <= bytes.length; at += 13 + bytes.readUInt16BE(at + 11)) {
        list.push({ type: bytes[at]!, epoch: bytes.readUInt16BE(at + 3), seq: bytes.readUIntBE(at + 5, 6) });
      }
      bySender.set(port, list);
    }
    return originalSend.apply(this, args);
  };
  return bySender;
}

it("no application record repeats a handshake record's (epoch, sequence), as DTLS server or client", async () => {
  const records = recordDtls();
  const ta = weriftTransport({ loopbackOnly: true })();
  const tb = weriftTransport({ loopbackOnly: true })();
  try {
    const pipes = pipePair();
    const [a, b] = await Promise.all([
      ta.connect({ role: "offerer", signals: pipes.a }),
      tb.connect({ role: "answerer", signals: pipes.b }),
    ]);
    // Enough traffic both ways to pass the point of the old collision (the ~8th record of epoch 1).
    for (let i = 1; i <= 12; i++) {
      const back = firstValueFrom(a.messages$.pipe(filter((m) => m[0] === i)));
      const echo = b.messages$.pipe(filter((m) => m[0] === i)).subscribe((m) => b.send(m));
      a.send(Uint8Array.of(i, 0, 0));
      await back;
      echo.unsubscribe();
    }
    a.close();
    await b.closed;
  } finally {
    await Promise.all([ta.close(), tb.close()]);
  }
  expect(records.size).toBe(2); // one DTLS server, one DTLS client
  for (const list of records.values()) {
    const handshake = list.filter((r) => r.epoch === 1 && r.type !== 23).map((r) => r.seq);
    const appData = list.filter((r) => r.epoch === 1 && r.type === 23).map((r) => r.seq);
    expect(handshake.length).toBeGreaterThan(0); // the Finished
    expect(appData.length).toBeGreaterThan(12);
    expect(new Set(appData).size).toBe(appData.length);
    expect(appData.filter((s) => handshake.includes(s))).toEqual([]);
  }
});

it("highestSequence reads the record headers of a flight", () => {
  const record = (type: number, epoch: number, seq: number, body: number) => {
    const r = Buffer.alloc(13 + body);
    r[0] = type;
    r.writeUInt16BE(0xfefd, 1);
    r.writeUInt16BE(epoch, 3);
    r.writeUIntBE(seq, 5, 6);
    r.writeUInt16BE(body, 11);
    return r;
  };
  const flight = [record(20, 0, 7, 1), Buffer.concat([record(22, 1, 8, 40), record(22, 1, 2 ** 33 + 5, 3)])];
  expect(highestSequence(flight, 1)).toBe(2 ** 33 + 5);
  expect(highestSequence(flight, 0)).toBe(7);
  expect(highestSequence(flight, 2)).toBe(-1);
  expect(highestSequence([], 1)).toBe(-1);
});
