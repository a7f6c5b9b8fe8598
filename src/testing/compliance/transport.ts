/**
 * Transport compliance suite. Every Transport implementation runs it (memory, werift, browser):
 *
 *   import { transportCompliance } from "../compliance/transport.js";
 *   transportCompliance("werift", {
 *     setup: async () => ({ a: weriftTransport(opts)(), b: weriftTransport(opts)() }),
 *     teardown: async ({ a, b }) => { await a.close(); await b.close(); },
 *   });
 *
 * `a` and `b` must be able to reach each other; `expectedPath` (optional) is the path both ends
 * must report. The suite connects them through an in-process SignalPipe pair (unsealed; sealing
 * is the runtime's business) and checks: connect roles, the selected path,
 * ordering and integrity, copies on send, back-pressure (bufferedAmount / highWaterMark /
 * drained$), size limit, close semantics (reasons, completion, idempotence, close delivers what send()
 * accepted, also when the transport closes right after),
 * abort, reconnect, and hostile signals (BadSignalError, never a crash). Assertions are on error
 * `name`s, never on messages. No sleeps: everything waits on promises and streams.
 */
import { describe, expect, it } from "vitest";
import { firstValueFrom, lastValueFrom, ReplaySubject, toArray, take } from "rxjs";
import type { Channel, SelectedPath, SignalPipe, Transport } from "../../adapters/transport/types.js";
import { withSetup, type SuiteSetup } from "./suite.js";

export interface TransportPair {
  readonly a: Transport;
  readonly b: Transport;
  /** The path both ends must report in this setup (e.g. host↔host UDP on loopback); any known path if unset. */
  readonly expectedPath?: SelectedPath;
}

export type TransportSuiteSetup<T extends TransportPair = TransportPair> = SuiteSetup<T>;

/** Two SignalPipes joined back to back; delivery is asynchronous, ordered, buffered. */
export function createPipePair(): [SignalPipe & { inject(bytes: Uint8Array): void }, SignalPipe & { inject(bytes: Uint8Array): void }] {
  const toA = new ReplaySubject<Uint8Array>();
  const toB = new ReplaySubject<Uint8Array>();
  const later = (f: () => void) => queueMicrotask(f);
  return [
    { send: (s) => later(() => toB.next(s.slice())), received$: toA.asObservable(), inject: (x) => toA.next(x) },
    { send: (s) => later(() => toA.next(s.slice())), received$: toB.asObservable(), inject: (x) => toB.next(x) },
  ];
}

/** Connect a (offerer) and b (answerer); resolves both channels. */
export async function connectPair(a: Transport, b: Transport): Promise<[Channel, Channel]> {
  const [pa, pb] = createPipePair();
  return Promise.all([a.connect({ role: "offerer", signals: pa }), b.connect({ role: "answerer", signals: pb })]);
}

const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill & 0xff);

export function transportCompliance<T extends TransportPair>(name: string, s: TransportSuiteSetup<T>): void {
  describe(`transport compliance: ${name}`, () => {
    const withPair = withSetup(s);

    it("connects an offerer and an answerer; both channels are open", withPair(async ({ a, b }) => {
      expect(typeof a.kind).toBe("string");
      const [ca, cb] = await connectPair(a, b);
      expect(ca.state).toBe("open");
      expect(cb.state).toBe("open");
      expect(await firstValueFrom(ca.state$)).toBe("open");
      expect(typeof ca.id).toBe("string");
      expect(ca.maxMessageSize).toBeGreaterThanOrEqual(16 * 1024);
      expect(ca.highWaterMark).toBeGreaterThanOrEqual(ca.lowWaterMark);
    }));

    it("reports the selected path and its health on both ends; both streams replay and complete on close", withPair(async ({ a, b, expectedPath }) => {
      const [ca, cb] = await connectPair(a, b);
      for (const c of [ca, cb]) {
        expect(c.path.kind === "unknown", "path reported").toBe(false);
        if (expectedPath !== undefined) expect(c.path).toEqual(expectedPath);
        expect(await firstValueFrom(c.path$)).toEqual(c.path);
        expect(await firstValueFrom(c.health$)).toBe("connected");
      }
      const pathsA = lastValueFrom(ca.path$.pipe(toArray()));
      const healthA = lastValueFrom(ca.health$.pipe(toArray()));
      ca.close();
      await Promise.all([ca.closed, cb.closed]);
      expect((await pathsA).at(-1)).toEqual(ca.path); // completed, last value the path it used
      expect(await healthA).toEqual(["connected"]);
    }));

    it("delivers messages in order and intact, both ways", withPair(async ({ a, b }) => {
      const [ca, cb] = await connectPair(a, b);
      const n = 200;
      const gotB = firstValueFrom(cb.messages$.pipe(take(n), toArray()));
      const gotA = firstValueFrom(ca.messages$.pipe(take(n), toArray()));
      for (let i = 0; i < n; i++) {
        ca.send(bytes(1 + (i % 50), i));
        cb.send(bytes(1 + (i % 37), 255 - i));
      }
      const rb = await gotB;
      const ra = await gotA;
      rb.forEach((m, i) => expect(m).toEqual(bytes(1 + (i % 50), i)));
      ra.forEach((m, i) => expect(m).toEqual(bytes(1 + (i % 37), 255 - i)));
    }));

    it("copies on send: changing the buffer afterwards does not change what arrives", withPair(async ({ a, b }) => {
      const [ca, cb] = await connectPair(a, b);
      const got = firstValueFrom(cb.messages$);
      const buf = bytes(64, 7);
      ca.send(buf);
      buf.fill(9);
      expect(await got).toEqual(bytes(64, 7));
    }));

    it("applies back-pressure: bufferedAmount rises above highWaterMark, drained$ fires, all arrive", withPair(async ({ a, b }) => {
      const [ca, cb] = await connectPair(a, b);
      const size = Math.min(16 * 1024, ca.maxMessageSize);
      const count = Math.ceil((ca.highWaterMark * 2) / size) + 2;
      const all = firstValueFrom(cb.messages$.pipe(take(count), toArray()));
      const drained = firstValueFrom(ca.drained$);
      let maxBuffered = 0;
      for (let i = 0; i < count; i++) {
        ca.send(bytes(size, i));
        maxBuffered = Math.max(maxBuffered, ca.bufferedAmount);
      }
      expect(maxBuffered).toBeGreaterThan(ca.highWaterMark);
      await drained;
      expect(ca.bufferedAmount).toBeLessThanOrEqual(ca.lowWaterMark);
      const got = await all;
      expect(got.length).toBe(count);
      got.forEach((m, i) => expect(m[0]).toBe(i & 0xff));
    }));

    it("refuses a message larger than maxMessageSize with MessageTooLargeError", withPair(async ({ a, b }) => {
      const [ca] = await connectPair(a, b);
      expect(() => ca.send(new Uint8Array(ca.maxMessageSize + 1))).toThrow(expect.objectContaining({ name: "MessageTooLargeError" }));
      expect(ca.state).toBe("open"); // a refused send does not break the channel
    }));

    it("close: local/remote reasons, streams complete, queued messages arrive first, idempotent", withPair(async ({ a, b }) => {
      const [ca, cb] = await connectPair(a, b);
      const received = lastValueFrom(cb.messages$.pipe(toArray()));
      const statesA = lastValueFrom(ca.state$.pipe(toArray()));
      for (let i = 0; i < 10; i++) ca.send(bytes(100, i));
      ca.close();
      ca.close();
      expect(await ca.closed).toBe("local");
      expect(await cb.closed).toBe("remote");
      expect((await received).length).toBe(10);
      expect((await statesA).at(-1)).toBe("closed");
      expect(ca.state).toBe("closed");
      expect(cb.state).toBe("closed");
      expect(() => ca.send(bytes(1, 1))).toThrow(expect.objectContaining({ name: "ChannelClosedError" }));
      expect(() => cb.send(bytes(1, 1))).toThrow(expect.objectContaining({ name: "ChannelClosedError" }));
      await lastValueFrom(ca.messages$.pipe(toArray())); // completes, does not hang
    }));

    it("transport.close() right after send(): the peer gets every message, then `remote`; idempotent", withPair(async ({ a, b }) => {
      const [ca, cb] = await connectPair(a, b);
      const received = lastValueFrom(cb.messages$.pipe(toArray()));
      // More than a fresh SCTP association's first window, so some are still in flight at close
      // (the runtime's BYE-then-close at the end of a session, issue 11).
      const n = 40;
      for (let i = 0; i < n; i++) ca.send(bytes(1024, i));
      await a.close();
      await a.close();
      expect(await ca.closed).toBe("local");
      expect(await cb.closed).toBe("remote");
      const got = await received;
      expect(got.length).toBe(n);
      got.forEach((m, i) => expect(m[0]).toBe(i & 0xff));
    }));

    it("can connect again after a channel closed (reconnect with a fresh pipe)", withPair(async ({ a, b }) => {
      const [ca1] = await connectPair(a, b);
      ca1.close();
      await ca1.closed;
      const [ca2, cb2] = await connectPair(a, b);
      const got = firstValueFrom(cb2.messages$);
      ca2.send(bytes(3, 3));
      expect(await got).toEqual(bytes(3, 3));
    }));

    it("rejects connect with ConnectAbortedError when aborted (before and while connecting)", withPair(async ({ a }) => {
      const [pa] = createPipePair();
      const pre = new AbortController();
      pre.abort();
      await expect(a.connect({ role: "offerer", signals: pa, signal: pre.signal })).rejects.toMatchObject({ name: "ConnectAbortedError" });
      const during = new AbortController();
      const [pa2] = createPipePair();
      const p = a.connect({ role: "answerer", signals: pa2, signal: during.signal });
      during.abort();
      await expect(p).rejects.toMatchObject({ name: "ConnectAbortedError" });
    }));

    it("hostile signals: garbage on the pipe rejects connect with BadSignalError (answerer and offerer)", withPair(async ({ a, b }) => {
      const garbage = [new Uint8Array([0xff, 0x00, 0x7b]), new TextEncoder().encode('{"type":"offer","sdp":1}'), new Uint8Array(0)];
      for (const g of garbage) {
        const [pa] = createPipePair();
        const p = b.connect({ role: "answerer", signals: pa });
        pa.inject(g);
        await expect(p).rejects.toMatchObject({ name: "BadSignalError" });
      }
      const [po] = createPipePair();
      const p = a.connect({ role: "offerer", signals: po });
      po.inject(new Uint8Array([1, 2, 3, 4, 5]));
      await expect(p).rejects.toMatchObject({ name: "BadSignalError" });
      // and the transports still work afterwards
      const [ca, cb] = await connectPair(a, b);
      const got = firstValueFrom(cb.messages$);
      ca.send(bytes(2, 2));
      expect(await got).toEqual(bytes(2, 2));
    }));
  });
}
