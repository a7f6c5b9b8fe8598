/**
 * werift-specific tests beyond the compliance suite: candidate policy on both directions,
 * hostile signals that target werift itself (.local candidates, hostnames, wrong types, huge
 * SDPs), 64 KiB messages, flow control that respects the high-water mark, transport loss
 * reported as `failed`, and measurements (setup time, raw 16 KB throughput) printed for the notes.
 */
import { describe, expect, it } from "vitest";
import { test as fcTest, fc } from "@fast-check/vitest";
import { firstValueFrom, take, toArray } from "rxjs";
import type { Channel } from "../../../../src/adapters/transport/types.js";
import { weriftTransport, type WeriftTransport } from "../../../../src/adapters/transport/werift/index.js";
import { pipePair } from "./pipes.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

async function pair(ta: WeriftTransport, tb: WeriftTransport, tamper?: Parameters<typeof pipePair>[0]) {
  const pipes = pipePair(tamper);
  const [a, b] = await Promise.all([
    ta.connect({ role: "offerer", signals: pipes.a }),
    tb.connect({ role: "answerer", signals: pipes.b }),
  ]);
  return { a, b, pipes };
}

const loop = () => weriftTransport({ loopbackOnly: true })();

describe("werift candidates and signals", () => {
  it("sends only 127.0.0.1 host candidates, as a versioned JSON signal", async () => {
    const ta = loop();
    const tb = loop();
    try {
      const { pipes } = await pair(ta, tb);
      const [offer, answer] = pipes.sent.map((s) => JSON.parse(dec.decode(s.bytes)) as { v: number; type: string; sdp: string });
      expect(offer?.type).toBe("offer");
      expect(answer?.type).toBe("answer");
      expect(offer?.v).toBe(1);
      for (const sig of [offer, answer]) {
        const cands = sig!.sdp.split("\r\n").filter((l) => l.startsWith("a=candidate:"));
        expect(cands.length).toBeGreaterThan(0);
        for (const c of cands) expect(c.split(" ")[4]).toBe("127.0.0.1");
      }
    } finally {
      await Promise.all([ta.close(), tb.close()]);
    }
  });

  it("strips .local, hostname and non-loopback candidates the peer offers, and still connects", async () => {
    const ta = loop();
    const tb = loop();
    try {
      const hostile = [
        "a=candidate:1 1 udp 2130706431 f00d-1234.local 5000 typ host",
        "a=candidate:2 1 udp 2130706431 evil.example.com 5000 typ host",
        "a=candidate:3 1 udp 2130706431 10.1.2.3 5000 typ host",
        "a=candidate:4 1 udp 2130706431 127.0.0.1.local 5000 typ host",
        "a=candidate:5 1 tcp 2130706431 127.0.0.1 5000 typ host tcptype passive",
        "a=candidate:6 1 udp 2130706431 127.0.0.1 99999 typ host",
      ];
      const { a, b } = await pair(ta, tb, (from, bytes) => {
        if (from !== "a") return bytes;
        const sig = JSON.parse(dec.decode(bytes)) as { sdp: string };
        sig.sdp = sig.sdp.replace(/(a=candidate:[^\r\n]*\r\n)/, `$1${hostile.join("\r\n")}\r\n`);
        return enc.encode(JSON.stringify(sig));
      });
      expect(tb.stats.candidatesStripped).toBe(hostile.length);
      const got = firstValueFrom(b.messages$);
      a.send(Uint8Array.of(1, 2, 3));
      expect(await got).toEqual(Uint8Array.of(1, 2, 3));
    } finally {
      await Promise.all([ta.close(), tb.close()]);
    }
  });

  it("an offer whose only candidate is .local is a BadSignalError (werift would resolve it over mDNS)", async () => {
    const tb = loop();
    const pipes = pipePair();
    const p = tb.connect({ role: "answerer", signals: pipes.b });
    const sdp = ["v=0", "o=- 1 1 IN IP4 0.0.0.0", "s=-", "t=0 0", "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
      "a=candidate:1 1 udp 2130706431 0b6c3a4e-2f1d.local 5000 typ host", ""].join("\r\n");
    pipes.inject("b", enc.encode(JSON.stringify({ v: 1, type: "offer", sdp })));
    await expect(p).rejects.toMatchObject({ name: "BadSignalError" });
    expect(tb.stats.badSignals).toBe(1);
    await tb.close();
  });

  const hostileSignals: [string, Uint8Array][] = [
    ["wrong version", enc.encode(JSON.stringify({ v: 2, type: "offer", sdp: "v=0" }))],
    ["an answer sent to the answerer", enc.encode(JSON.stringify({ v: 1, type: "answer", sdp: "v=0" }))],
    ["an extra field", enc.encode(JSON.stringify({ v: 1, type: "offer", sdp: "v=0", x: 1 }))],
    ["a huge SDP", enc.encode(JSON.stringify({ v: 1, type: "offer", sdp: "a".repeat(20_000) }))],
    ["invalid UTF-8", Uint8Array.of(0x7b, 0xc3, 0x28, 0x7d)],
    ["a JSON array", enc.encode("[1,2,3]")],
    ["SDP werift cannot use", enc.encode(JSON.stringify({ v: 1, type: "offer", sdp: "a=candidate:1 1 udp 1 127.0.0.1 5000 typ host\r\nm=garbage" }))],
  ];
  for (const [label, bytes] of hostileSignals) {
    it(`hostile signal (${label}) rejects connect with BadSignalError and is counted`, async () => {
      const tb = loop();
      const pipes = pipePair();
      const p = tb.connect({ role: "answerer", signals: pipes.b });
      pipes.inject("b", bytes);
      await expect(p).rejects.toMatchObject({ name: "BadSignalError" });
      expect(tb.stats.badSignals).toBe(1);
      await tb.close();
    });
  }

  fcTest.prop([fc.uint8Array({ maxLength: 512 })], { numRuns: 60 })("random bytes as a signal never crash: typed error only", async (bytes) => {
    const tb = loop();
    const pipes = pipePair();
    const p = tb.connect({ role: "answerer", signals: pipes.b });
    pipes.inject("b", bytes);
    await expect(p).rejects.toMatchObject({ name: expect.stringMatching(/^(BadSignalError|ConnectFailedError)$/) });
    await tb.close();
  });

  it("refuses options that would leak: loopbackOnly with a LAN address, a non-IP interface", () => {
    expect(() => weriftTransport({ loopbackOnly: true, interfaceAddress: "10.0.0.1" })()).toThrow(TypeError);
    expect(() => weriftTransport({ interfaceAddress: "myhost.local" })()).toThrow(TypeError);
  });
});

describe("werift channel behaviour", () => {
  it("carries 64 KiB messages (maxMessageSize), refuses one byte more and refuses empty messages", async () => {
    const ta = loop();
    const tb = loop();
    try {
      const { a, b } = await pair(ta, tb);
      expect(a.maxMessageSize).toBe(64 * 1024);
      const big = new Uint8Array(64 * 1024).map((_, i) => i * 31);
      const got = firstValueFrom(b.messages$);
      a.send(big);
      expect(await got).toEqual(big);
      expect(() => a.send(new Uint8Array(64 * 1024 + 1))).toThrow(expect.objectContaining({ name: "MessageTooLargeError" }));
      // werift would drop an empty message silently; the adapter refuses it with a typed error.
      expect(() => a.send(new Uint8Array(0))).toThrow(expect.objectContaining({ name: "EmptyMessageError" }));
      expect(a.state).toBe("open");
    } finally {
      await Promise.all([ta.close(), tb.close()]);
    }
  });

  // One connection, many runs: ordering and integrity for arbitrary message size sequences.
  let shared: { a: Channel; b: Channel; ta: WeriftTransport; tb: WeriftTransport } | undefined;
  fcTest.prop([fc.array(fc.integer({ min: 1, max: 16 * 1024 }), { minLength: 1, maxLength: 24 })], { numRuns: 15 })(
    "ordered and intact for any sequence of sizes 1..16 KiB",
    async (sizes) => {
      if (!shared) {
        const ta = loop();
        const tb = loop();
        shared = { ...(await pair(ta, tb)), ta, tb };
      }
      const { a, b } = shared;
      const got = firstValueFrom(b.messages$.pipe(take(sizes.length), toArray()));
      // Paced like a real sender (werift degrades with a deep queue; perf-baselines §1b).
      for (const [i, n] of sizes.entries()) {
        if (a.bufferedAmount > a.highWaterMark) await firstValueFrom(a.drained$);
        a.send(new Uint8Array(n).fill(i & 0xff));
      }
      const msgs = await got;
      expect(msgs.map((m) => m.byteLength)).toEqual(sizes);
      msgs.forEach((m, i) => expect(m.every((x) => x === (i & 0xff))).toBe(true));
    },
  );
  it("(closes the shared property-test connection)", async () => {
    if (shared) await Promise.all([shared.ta.close(), shared.tb.close()]);
  });

  it("a sender that honours highWaterMark keeps bufferedAmount bounded; 4 MiB of 16 KB arrive in order (throughput)", async () => {
    const ta = loop();
    const tb = loop();
    try {
      const { a, b } = await pair(ta, tb);
      const size = 16 * 1024;
      const count = 256; // 4 MiB
      let received = 0;
      let inOrder = true;
      const done = new Promise<void>((resolve) =>
        b.messages$.subscribe((m) => {
          if (m[0] !== (received & 0xff)) inOrder = false;
          if (++received === count) resolve();
        }),
      );
      let maxBuffered = 0;
      let pauses = 0;
      const t0 = performance.now();
      for (let i = 0; i < count; i++) {
        if (a.bufferedAmount > a.highWaterMark) {
          pauses++;
          await firstValueFrom(a.drained$);
        }
        a.send(new Uint8Array(size).fill(i & 0xff));
        maxBuffered = Math.max(maxBuffered, a.bufferedAmount);
      }
      await done;
      const secs = (performance.now() - t0) / 1000;
      console.log(`werift raw 16 KB throughput (one process): ${(count * size / 1048576 / secs).toFixed(1)} MiB/s, ${pauses} pauses, max buffered ${maxBuffered}`);
      expect(inOrder).toBe(true);
      expect(pauses).toBeGreaterThan(0);
      expect(maxBuffered).toBeLessThanOrEqual(a.highWaterMark + size);
    } finally {
      await Promise.all([ta.close(), tb.close()]);
    }
  });

  // A peer that vanishes without a packet is seen by werift's ICE consent check after 30 s
  // (RFC 7675); the runtime's PING/PONG liveness is the faster detector. These two cases are
  // the fast paths the adapter itself must map to `failed`.
  const underlying = (c: Channel) => (c as unknown as { pc: { close(): Promise<void>; dtlsTransports: { stop(): Promise<void> }[] } }).pc;

  it("the peer's connection is aborted without a channel close: the peer's channel ends failed, not remote", async () => {
    const ta = loop();
    const tb = loop();
    try {
      const { a, b } = await pair(ta, tb);
      const states: string[] = [];
      b.state$.subscribe((s) => states.push(s));
      await underlying(a).close(); // SCTP ABORT, no stream reset: a crashed stack, not a goodbye
      expect(await b.closed).toBe("failed");
      expect(states).toEqual(["open", "closing", "closed"]);
      expect(() => b.send(Uint8Array.of(1))).toThrow(expect.objectContaining({ name: "ChannelClosedError" }));
    } finally {
      await Promise.all([ta.close(), tb.close()]);
    }
  });

  it("local transport loss (DTLS torn down underneath) ends the local channel failed", async () => {
    const ta = loop();
    const tb = loop();
    try {
      const { a } = await pair(ta, tb);
      await underlying(a).dtlsTransports[0]!.stop();
      expect(await a.closed).toBe("failed");
      expect(a.state).toBe("closed");
    } finally {
      await Promise.all([ta.close(), tb.close()]);
    }
  });

  it("setup time, createOffer to both channels open (median of 7, printed)", async () => {
    const ta = loop();
    const tb = loop();
    const times: number[] = [];
    try {
      for (let i = 0; i < 7; i++) {
        const t0 = performance.now();
        const { a } = await pair(ta, tb);
        times.push(performance.now() - t0);
        a.close();
        await a.closed;
      }
    } finally {
      await Promise.all([ta.close(), tb.close()]);
    }
    times.sort((x, y) => x - y);
    console.log(`werift channel setup (loopback, one process): median ${times[3]!.toFixed(0)} ms, min ${times[0]!.toFixed(0)}, max ${times[6]!.toFixed(0)}`);
    expect(ta.stats.channelsOpened).toBe(7);
  });
});
