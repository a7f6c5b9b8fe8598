/**
 * The part of a WebRTC transport's connect()/close() that does not depend on the WebRTC stack,
 * shared by the werift and browser adapters (which keep building the peer connection, gathering,
 * and watching it): option checks for the channel limits, the one-offer/one-answer signal
 * exchange over the `SignalPipe` (decode, type check, candidate filter, bad-signal counting),
 * the offerer/answerer sequence with its check of the peer's data channel, and the bookkeeping
 * of live connections and channels that close() releases.
 *
 * Every wait during a connect races one `failure` promise, so an abort, a closed pipe, the
 * transport closing or the adapter's own failure signal ends the attempt at once.
 */
import type { Subscription } from "rxjs";
import {
  BadSignalError,
  ConnectAbortedError,
  ConnectFailedError,
  TransportError,
  type ConnectOptions,
} from "../types.js";
import { SIGNAL_VERSION, encodeSignal, type SignalType, type WebRtcSignal } from "./signal-codec.js";

/** The label of the one reliable, ordered sync data channel. */
export const SYNC_CHANNEL_LABEL = "lethe";

const KiB = 1024;
/** Messages a channel holds for its first reader before it counts the peer as flooding it. */
export const MAX_PENDING_BYTES = 4 * 1024 * KiB;

export interface ChannelLimitOptions {
  readonly highWaterMark?: number;
  readonly lowWaterMark?: number;
  readonly maxMessageSize?: number;
}

/** Defaults 64 KiB / highWaterMark÷4 / 64 KiB; RangeError for limits that cannot work. */
export function resolveChannelLimits(options: ChannelLimitOptions) {
  const highWaterMark = options.highWaterMark ?? 64 * KiB;
  const lowWaterMark = options.lowWaterMark ?? Math.floor(highWaterMark / 4);
  const maxMessageSize = options.maxMessageSize ?? 64 * KiB;
  if (!(highWaterMark > 0 && lowWaterMark >= 0 && lowWaterMark <= highWaterMark)) {
    throw new RangeError("need 0 <= lowWaterMark <= highWaterMark, highWaterMark > 0");
  }
  if (!(Number.isInteger(maxMessageSize) && maxMessageSize > 0 && maxMessageSize <= 256 * KiB)) {
    throw new RangeError("maxMessageSize must be an integer in 1..262144");
  }
  return { highWaterMark, lowWaterMark, maxMessageSize };
}

/** Public counters, for tests and snapshots (mutable inside the transport). */
export interface WebRtcStats {
  connects: number;
  channelsOpened: number;
  badSignals: number;
  candidatesStripped: number;
}

/** What one adapter brings to an offer/answer round. */
export interface ExchangeOps {
  /** The stack's name in error messages ("werift", "the browser"). */
  readonly stack: string;
  /** Create the offer or answer, gather every candidate; the outbound-filtered local SDP. */
  gather(): Promise<string>;
  setRemoteDescription(description: { type: SignalType; sdp: string }): Promise<unknown>;
}

/** What one adapter brings to the offer/answer sequence that opens the sync channel. */
export interface NegotiationOps<DC> extends ExchangeOps {
  /** Offerer: create the sync data channel (before the offer, so the SDP carries it). */
  createChannel(): DC;
  /** Answerer: the data channel the peer opens (armed before the offer is applied). */
  incoming(): Promise<DC>;
  /** Resolve when the data channel is open; reject if it closes first. */
  opened(dc: DC): Promise<DC>;
}

interface SyncChannelShape {
  readonly label: string;
  readonly ordered: boolean;
  readonly maxRetransmits: number | null;
  readonly maxPacketLifeTime: number | null;
}

/** One connect attempt's signal exchange and failure funnel. */
export class SignalExchange {
  readonly failure: Promise<never>;
  readonly fail: (e: Error) => void;
  private readonly inbox: Uint8Array[] = [];
  private wake: (() => void) | undefined;
  private readonly pipeSub: Subscription;
  private readonly onAbort = () => this.fail(new ConnectAbortedError("connect aborted"));

  constructor(
    private readonly opts: ConnectOptions,
    private readonly decode: (bytes: unknown) => WebRtcSignal,
    /** Inbound candidate filter; may throw BadSignalError (counted like a bad signal). */
    private readonly filter: (sdp: string) => string,
    private readonly stats: WebRtcStats,
    private readonly aborters: Set<(e: Error) => void>,
  ) {
    // Everything that can end the attempt early funnels into one rejection.
    let fail!: (e: Error) => void;
    this.failure = new Promise<never>((_, reject) => (fail = reject));
    this.fail = fail;
    this.failure.catch(() => undefined); // raced by step(); a failure nobody is awaiting is not unhandled
    opts.signal?.addEventListener("abort", this.onAbort, { once: true });
    aborters.add(fail);
    // Subscribe to the pipe at once so a signal that arrives early is not lost.
    this.pipeSub = opts.signals.received$.subscribe({
      next: (bytes) => {
        this.inbox.push(bytes);
        this.wake?.();
      },
      complete: () => fail(new ConnectFailedError("signal pipe closed before the peer answered")),
      error: (e: unknown) => fail(new ConnectFailedError("signal pipe failed", { cause: e })),
    });
  }

  /** `p`, unless the attempt fails first. */
  step<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.failure]);
  }

  /** The next signal's SDP, which must be of the `expected` type; filtered. */
  async nextSignal(expected: SignalType): Promise<string> {
    while (this.inbox.length === 0) await this.step(new Promise<void>((r) => (this.wake = r)));
    const bytes = this.inbox.shift()!;
    try {
      const sig = this.decode(bytes);
      if (sig.type !== expected) throw new BadSignalError(`expected an ${expected}, got an ${sig.type}`);
      return this.filter(sig.sdp);
    } catch (e) {
      this.stats.badSignals++;
      throw e;
    }
  }

  send(type: SignalType, sdp: string): void {
    this.opts.signals.send(encodeSignal({ v: SIGNAL_VERSION, type, sdp }));
  }

  /** The offer/answer sequence for `role`; the open sync data channel. */
  async negotiate<DC extends SyncChannelShape>(role: ConnectOptions["role"], ops: NegotiationOps<DC>): Promise<DC> {
    if (role === "offerer") {
      const created = ops.createChannel();
      await this.exchange(role, ops);
      return this.step(ops.opened(created));
    }
    const incoming = ops.incoming();
    await this.exchange(role, ops);
    const remoteDc = await this.step(incoming);
    if (
      remoteDc.label !== SYNC_CHANNEL_LABEL ||
      !remoteDc.ordered ||
      remoteDc.maxRetransmits !== null ||
      remoteDc.maxPacketLifeTime !== null
    ) {
      throw new ConnectFailedError("peer opened a data channel that is not the reliable ordered sync channel");
    }
    return this.step(ops.opened(remoteDc));
  }

  /**
   * One offer/answer round for `role`: the offerer gathers and sends its offer, then applies the
   * answer; the answerer applies the offer, then gathers and sends its answer. Used by connect
   * (inside negotiate) and by an ICE restart on a live connection.
   */
  async exchange(role: ConnectOptions["role"], ops: ExchangeOps): Promise<void> {
    const setRemote = async (type: SignalType, sdp: string) => {
      try {
        await this.step(ops.setRemoteDescription({ type, sdp }));
      } catch (e) {
        if (e instanceof TransportError) throw e;
        this.stats.badSignals++;
        throw new BadSignalError(`peer's ${type} was refused by ${ops.stack}`, { cause: e });
      }
    };
    if (role === "offerer") {
      this.send("offer", await ops.gather());
      await setRemote("answer", await this.nextSignal("answer"));
      return;
    }
    await setRemote("offer", await this.nextSignal("offer"));
    this.send("answer", await ops.gather());
  }

  /** Stop listening to the pipe and the abort signal; leave the transport's abort list. */
  dispose(): void {
    this.pipeSub.unsubscribe();
    this.aborters.delete(this.fail);
    this.opts.signal?.removeEventListener("abort", this.onAbort);
  }
}

interface OwnedChannel {
  close(): void;
  readonly released: Promise<void>;
}

/**
 * The connections and channels one transport made, and its closed flag. A connection is in
 * `connecting` until its channel is adopted; from then on the channel owns it, and only the
 * channel's own close sequence may release it (so close() cannot cut off what the channel is
 * still delivering: issue 11's lost BYE).
 */
export class WebRtcConnections<PC, CH extends OwnedChannel> {
  readonly connecting = new Set<PC>();
  readonly channels = new Set<CH>();
  readonly aborters = new Set<(e: Error) => void>();
  closed = false;
  private counter = 0;

  /** Start a connect attempt: refuse on a closed transport or an aborted signal, count it, name it. */
  begin(opts: ConnectOptions, stats: WebRtcStats, prefix: string): string {
    if (this.closed) throw new TransportError("transport is closed");
    if (opts.signal?.aborted) throw new ConnectAbortedError("connect aborted before it started");
    stats.connects++;
    return `${prefix}-${++this.counter}`;
  }

  /** A channel was opened on `pc`: from now on the channel owns the connection. */
  adopt(channel: CH, pc: PC, stats: WebRtcStats): CH {
    this.connecting.delete(pc);
    this.channels.add(channel);
    stats.channelsOpened++;
    void channel.released.then(() => this.channels.delete(channel));
    return channel;
  }

  /**
   * Abort every connect in flight and close every channel, waiting for each channel's close
   * sequence (bounded by its own grace timers); `releaseConnecting` handles connections whose
   * connect has not handed out a channel yet.
   */
  async close(releaseConnecting?: (pc: PC) => Promise<unknown>): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const abort of this.aborters) abort(new ConnectAbortedError("transport closed"));
    const waits: Promise<unknown>[] = [];
    for (const ch of this.channels) {
      ch.close();
      waits.push(ch.released);
    }
    if (releaseConnecting) for (const pc of this.connecting) waits.push(releaseConnecting(pc));
    await Promise.all(waits);
  }
}
