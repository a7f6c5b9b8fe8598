/**
 * The in-memory transport: channels between devices of one MemoryNetwork.
 *
 * Connecting follows the shape of WebRTC so the runtime exercises the same path: the offerer
 * sends an `offer` signal through the SignalPipe (the runtime seals it and carries it over
 * signaling), the answerer answers, and the channel exists. Signals are hostile input: they are
 * JSON checked by a Schema, anything else rejects `connect` with BadSignalError.
 *
 * Each channel end counts the bytes it queued and the network has not yet delivered as
 * `bufferedAmount`; `drained$` fires when that falls to the low-water mark after being above it.
 */
import { BehaviorSubject, Subject, type Observable, type Subscription } from "rxjs";
import * as Schema from "effect/Schema";
import * as Result from "effect/Result";
import {
  BadSignalError, ChannelClosedError, ConnectAbortedError, ConnectFailedError, MessageTooLargeError,
  type Channel, type ChannelCloseReason, type ChannelState, type ConnectOptions, type PathHealth, type SelectedPath, type Transport,
} from "../types.js";
import { MEMORY_PATH } from "../path.js";
import { Inbox } from "../../../testing/network/inbox.js";
import type { NetworkCore } from "../../../testing/network/core.js";

export interface MemoryTransportLimits {
  readonly maxMessageSize: number;
  readonly highWaterMark: number;
  readonly lowWaterMark: number;
}

export const DEFAULT_MEMORY_LIMITS: MemoryTransportLimits = Object.freeze({
  maxMessageSize: 256 * 1024,
  highWaterMark: 64 * 1024,
  lowWaterMark: 16 * 1024,
});

const MAX_SIGNAL_BYTES = 1024;
const SignalSchema = Schema.Struct({
  t: Schema.Literals(["offer", "answer"]),
  id: Schema.String.check(Schema.isPattern(/^[0-9a-f]{32}$/)),
});
const decodeSignal = Schema.decodeUnknownResult(SignalSchema);

type Signal = typeof SignalSchema.Type;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: true });

function encodeSignal(s: Signal): Uint8Array {
  return utf8.encode(JSON.stringify(s));
}

/** Parse a signal; throws BadSignalError on anything but a well-formed offer/answer. */
export function parseMemorySignal(bytes: Uint8Array): Signal {
  if (!(bytes instanceof Uint8Array) || bytes.length > MAX_SIGNAL_BYTES) throw new BadSignalError("signal is not a small byte array");
  let raw: unknown;
  try {
    raw = JSON.parse(fromUtf8.decode(bytes));
  } catch {
    throw new BadSignalError("signal is not JSON");
  }
  const r = decodeSignal(raw);
  if (Result.isFailure(r)) throw new BadSignalError("signal has the wrong shape");
  return r.success;
}

/** One end of a memory channel. */
export class MemoryChannelEnd implements Channel {
  peer: MemoryChannelEnd | undefined;
  private stateValue: ChannelState = "open";
  private readonly stateSubject = new BehaviorSubject<ChannelState>("open");
  private readonly inbox = new Inbox<Uint8Array>();
  private readonly drained = new Subject<void>();
  private buffered = 0;
  private wasAbove = false;
  private resolveClosed!: (r: ChannelCloseReason) => void;
  readonly closed: Promise<ChannelCloseReason>;
  readonly messages$: Observable<Uint8Array>;
  readonly drained$: Observable<void>;
  readonly state$: Observable<ChannelState>;
  /** No network path: the in-process network carries the bytes. */
  readonly path: SelectedPath = MEMORY_PATH;
  private readonly pathSubject = new BehaviorSubject<SelectedPath>(MEMORY_PATH);
  readonly path$: Observable<SelectedPath> = this.pathSubject.asObservable();
  /** Always `connected` while open: a partition closes the channel `failed` at once. */
  private readonly healthSubject = new BehaviorSubject<PathHealth>("connected");
  readonly health$: Observable<PathHealth> = this.healthSubject.asObservable();
  readonly maxMessageSize: number;
  readonly highWaterMark: number;
  readonly lowWaterMark: number;

  constructor(
    readonly id: string,
    readonly device: string,
    readonly peerDevice: string,
    private readonly core: NetworkCore,
    limits: MemoryTransportLimits,
    private readonly onClosed: (end: MemoryChannelEnd) => void,
  ) {
    this.closed = new Promise((r) => (this.resolveClosed = r));
    this.messages$ = this.inbox.stream;
    this.drained$ = this.drained.asObservable();
    this.state$ = this.stateSubject.asObservable();
    this.maxMessageSize = limits.maxMessageSize;
    this.highWaterMark = limits.highWaterMark;
    this.lowWaterMark = limits.lowWaterMark;
  }

  get state(): ChannelState {
    return this.stateValue;
  }
  get bufferedAmount(): number {
    return this.buffered;
  }
  private get queue(): string {
    return `t:${this.id}:${this.device}>${this.peerDevice}`;
  }

  private account(delta: number): void {
    this.buffered += delta;
    if (this.buffered > this.lowWaterMark) this.wasAbove = true;
    else if (this.wasAbove) {
      this.wasAbove = false;
      this.drained.next();
    }
  }

  send(data: Uint8Array): void {
    if (this.stateValue !== "open") throw new ChannelClosedError(`channel ${this.id} is ${this.stateValue}`);
    if (!(data instanceof Uint8Array)) throw new TypeError("send() takes a Uint8Array");
    if (data.length > this.maxMessageSize) {
      throw new MessageTooLargeError(`message of ${data.length} bytes exceeds ${this.maxMessageSize}`);
    }
    const copy = data.slice(); // the caller may reuse its buffer
    const size = copy.length;
    const f = this.core.faultsFor(this.device, this.peerDevice);
    const prng = this.core.prng;
    this.account(size);
    if (prng.chance(f.drop ?? 0)) {
      this.core.stats.dropped++;
      // A dropped message still leaves the buffer (it was "sent"), one round later.
      this.core.enqueue(this.queue, { run: () => this.account(-size), discard: () => this.account(-size) });
      return;
    }
    let payload = copy;
    if (prng.chance(f.corrupt ?? 0) && payload.length > 0) {
      payload = payload.slice();
      const bit = prng.int(0, payload.length * 8 - 1);
      payload[bit >> 3]! ^= 1 << (bit & 7);
      this.core.stats.corrupted++;
    }
    let delay = 0;
    if (prng.chance(f.delay ?? 0)) {
      delay = prng.int(1, Math.max(1, f.maxDelayRounds ?? 3));
      this.core.stats.delayed++;
    }
    const overtake = prng.chance(f.reorder ?? 0);
    if (overtake) {
      delay = Math.max(delay, prng.int(1, Math.max(1, f.maxDelayRounds ?? 3)));
      this.core.stats.reordered++;
    }
    const deliver = (bytes: Uint8Array, counted: boolean) => ({
      run: () => {
        if (counted) this.account(-size);
        this.core.stats.delivered++;
        this.peer?.receive(bytes);
      },
      discard: () => {
        if (counted) this.account(-size);
      },
    });
    this.core.enqueue(this.queue, deliver(payload, true), delay, overtake);
    if (prng.chance(f.duplicate ?? 0)) {
      this.core.stats.duplicated++;
      this.core.enqueue(this.queue, deliver(payload.slice(), false), prng.int(0, 2), overtake);
    }
  }

  /** Called by the network when a message from the peer arrives. */
  receive(bytes: Uint8Array): void {
    if (this.stateValue === "open") this.inbox.push(bytes);
  }

  close(): void {
    if (this.stateValue !== "open") return;
    this.setState("closing");
    // The peer learns after everything we queued (a reliable channel drains before it closes).
    const peer = this.peer;
    this.core.enqueue(this.queue, {
      run: () => {
        peer?.finish("remote");
      },
      discard: () => peer?.finish("failed"),
    }, 0, false);
    this.finish("local");
  }

  /** The end is over: complete streams, resolve `closed`. Idempotent. */
  finish(reason: ChannelCloseReason): void {
    if (this.stateValue === "closed") return;
    if (reason === "failed") this.core.discardQueue(this.queue);
    this.setState("closed");
    this.inbox.complete();
    this.drained.complete();
    this.pathSubject.complete();
    this.healthSubject.complete();
    this.stateSubject.complete();
    this.resolveClosed(reason);
    this.onClosed(this);
  }

  private setState(s: ChannelState): void {
    this.stateValue = s;
    this.stateSubject.next(s);
  }
}

interface PendingOffer {
  readonly from: string;
  resolve(end: MemoryChannelEnd): void;
  reject(err: Error): void;
  /** Set when the answerer created the pair; the offerer takes it on the `answer` signal. */
  end?: MemoryChannelEnd;
}

/** Shared by every device's transport: offers in flight and open channels. */
export class MemoryTransportHub {
  readonly offers = new Map<string, PendingOffer>();
  readonly channels = new Set<MemoryChannelEnd>();

  constructor(readonly core: NetworkCore, readonly limits: MemoryTransportLimits) {
    core.partitionListeners.add((a, b) => {
      for (const end of [...this.channels]) {
        if ((end.device === a && end.peerDevice === b) || (end.device === b && end.peerDevice === a)) {
          core.stats.failedByPartition++;
          end.finish("failed");
        }
      }
    });
  }

  createPair(offerer: string, answerer: string): [MemoryChannelEnd, MemoryChannelEnd] {
    const id = `mem-${this.core.prng.hex(4)}`;
    const gone = (e: MemoryChannelEnd) => this.channels.delete(e);
    const a = new MemoryChannelEnd(id, offerer, answerer, this.core, this.limits, gone);
    const b = new MemoryChannelEnd(id, answerer, offerer, this.core, this.limits, gone);
    a.peer = b;
    b.peer = a;
    this.channels.add(a);
    this.channels.add(b);
    return [a, b];
  }
}

export function createMemoryTransport(hub: MemoryTransportHub, device: string): Transport {
  let closed = false;
  const inFlight = new Set<{ abort: (e: Error) => void }>();

  const connect = (options: ConnectOptions): Promise<MemoryChannelEnd> =>
    new Promise<MemoryChannelEnd>((resolve, reject) => {
      if (closed) return reject(new ConnectFailedError("transport is closed"));
      if (options.signal?.aborted) return reject(new ConnectAbortedError("connect aborted"));
      let sub: Subscription | undefined;
      let offerId: string | undefined;
      let done = false;
      const handle = {
        abort: (e: Error) => finish(() => reject(e)),
      };
      const onAbort = () => handle.abort(new ConnectAbortedError("connect aborted"));
      const finish = (settle: () => void) => {
        if (done) return;
        done = true;
        inFlight.delete(handle);
        options.signal?.removeEventListener("abort", onAbort);
        sub?.unsubscribe();
        if (offerId !== undefined) {
          const o = hub.offers.get(offerId);
          hub.offers.delete(offerId);
          // An offer given up after the answerer made the pair: that channel fails.
          if (o?.end !== undefined && o.end.state === "open") o.end.finish("failed");
        }
        settle();
      };
      inFlight.add(handle);
      options.signal?.addEventListener("abort", onAbort);

      if (options.role === "offerer") {
        offerId = hub.core.prng.hex(16);
        const id = offerId;
        hub.offers.set(id, {
          from: device,
          resolve: () => {},
          reject: (e) => handle.abort(e),
        });
        sub = options.signals.received$.subscribe({
          next: (bytes) => {
            let s: Signal;
            try {
              s = parseMemorySignal(bytes);
            } catch (e) {
              return handle.abort(e as Error);
            }
            if (s.t !== "answer" || s.id !== id) return; // stale or foreign: not ours
            const o = hub.offers.get(id);
            if (o?.end === undefined) return handle.abort(new ConnectFailedError("answer for an offer that has no channel"));
            const end = o.end;
            hub.offers.delete(id);
            offerId = undefined;
            if (end.state !== "open") return handle.abort(new ConnectFailedError("channel failed while connecting"));
            finish(() => resolve(end));
          },
        });
        options.signals.send(encodeSignal({ t: "offer", id }));
      } else {
        sub = options.signals.received$.subscribe({
          next: (bytes) => {
            let s: Signal;
            try {
              s = parseMemorySignal(bytes);
            } catch (e) {
              return handle.abort(e as Error);
            }
            if (s.t !== "offer") return;
            const o = hub.offers.get(s.id);
            if (o === undefined || o.end !== undefined || o.from === device) return; // stale offer
            if (hub.core.isPartitioned(o.from, device)) {
              hub.offers.delete(s.id);
              o.reject(new ConnectFailedError("no route to the peer (partitioned)"));
              return handle.abort(new ConnectFailedError("no route to the peer (partitioned)"));
            }
            const [offererEnd, answererEnd] = hub.createPair(o.from, device);
            o.end = offererEnd;
            options.signals.send(encodeSignal({ t: "answer", id: s.id }));
            finish(() => resolve(answererEnd));
          },
        });
      }
    });

  return {
    kind: "memory",
    connect,
    async close() {
      if (closed) return;
      closed = true;
      for (const h of [...inFlight]) h.abort(new ConnectAbortedError("transport closed"));
      for (const end of [...hub.channels]) if (end.device === device) end.close();
    },
  };
}
