/**
 * The part of a WebRTC data channel's `Channel` that does not depend on the WebRTC stack:
 * state$, messages$ (held until the first subscriber, bounded), drained$ and back-pressure
 * bookkeeping, path$ and health$ (the adapter reports them through setPath / setHealth), the close
 * sequence (deliver what send() accepted, reset the stream, release the connection, each wait
 * bounded). werift's RTCDataChannel and the browser's both satisfy
 * `DataChannelLike`; each adapter subclasses `WebRtcChannel` and keeps only what differs:
 * how events are wired, how bytes are sent and received, and how the connection is released.
 *
 * Close reasons: our close() is `local`; the adapter reports everything else through lost().
 * The channel owns its peer connection: once closed, the adapter's releaseConnection() has run.
 */
import { BehaviorSubject, Observable, Subject } from "rxjs";
import {
  ChannelClosedError,
  MessageTooLargeError,
  type Channel,
  type ChannelCloseReason,
  type ChannelState,
  type PathHealth,
  type SelectedPath,
} from "../types.js";
import { samePath, UNKNOWN_PATH } from "../path.js";
import type { Clock } from "../../../clock.js";

/** The W3C RTCDataChannel members the shared logic touches (werift's and the browser's have them). */
export interface DataChannelLike {
  readonly readyState: string;
  readonly bufferedAmount: number;
  bufferedAmountLowThreshold: number;
}

export interface ChannelLimits {
  readonly highWaterMark: number;
  readonly lowWaterMark: number;
  readonly maxMessageSize: number;
  /** Messages held until the first subscriber to messages$ arrives (then flushed in order). */
  readonly maxPendingBytes: number;
}

export interface CloseTimings {
  /** How long close() waits for queued messages to leave before resetting the stream. */
  readonly drainGraceMs: number;
  /** How long close() waits for the stream reset to complete before dropping the connection. */
  readonly closeGraceMs: number;
}

export abstract class WebRtcChannel<DC extends DataChannelLike> implements Channel {
  readonly highWaterMark: number;
  readonly lowWaterMark: number;
  readonly maxMessageSize: number;
  readonly closed: Promise<ChannelCloseReason>;
  /** Resolves when the peer connection is released. */
  readonly released: Promise<void>;
  readonly drained$: Observable<void>;
  readonly state$: Observable<ChannelState>;
  readonly messages$: Observable<Uint8Array>;
  readonly path$: Observable<SelectedPath>;
  readonly health$: Observable<PathHealth>;

  private readonly healthSubject = new BehaviorSubject<PathHealth>("connected");
  private readonly pathSubject = new BehaviorSubject<SelectedPath>(UNKNOWN_PATH);
  private readonly stateSubject = new BehaviorSubject<ChannelState>("open");
  private readonly drainedSubject = new Subject<void>();
  private readonly messageSubject = new Subject<Uint8Array>();
  private pending: Uint8Array[] | undefined = [];
  private pendingBytes = 0;
  private readonly maxPendingBytes: number;
  private closeReason: ChannelCloseReason | undefined;
  private resolveClosed!: (reason: ChannelCloseReason) => void;
  private resolveReleased!: () => void;
  private readonly detachers: (() => void)[] = [];

  protected constructor(
    readonly id: string,
    protected readonly dc: DC,
    limits: ChannelLimits,
    private readonly timings: CloseTimings,
    /** The close sequence's grace waits run on this (the transport's components' clock). */
    private readonly clock: Clock,
  ) {
    this.highWaterMark = limits.highWaterMark;
    this.lowWaterMark = limits.lowWaterMark;
    this.maxMessageSize = limits.maxMessageSize;
    this.maxPendingBytes = limits.maxPendingBytes;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.released = new Promise((resolve) => (this.resolveReleased = resolve));
    this.drained$ = this.drainedSubject.asObservable();
    this.state$ = this.stateSubject.asObservable();
    this.path$ = this.pathSubject.asObservable();
    this.health$ = this.healthSubject.asObservable();
    this.messages$ = new Observable<Uint8Array>((subscriber) => {
      const sub = this.messageSubject.subscribe(subscriber);
      this.flushPending();
      return sub;
    });
    dc.bufferedAmountLowThreshold = this.lowWaterMark;
  }

  /** Hand one outbound message (already checked: open, bytes, within size) to the stack. */
  protected abstract transmit(data: Uint8Array): void;
  /** Call `done` once on the data channel's next bufferedamountlow; return how to stop listening. */
  protected abstract onceBufferedAmountLow(done: () => void): () => void;

  /**
   * Call `done` once everything send() accepted has left this side (at once if it already has);
   * return how to stop listening. The default is the W3C view: `bufferedAmount` reached 0. An
   * adapter that can see further down its stack (werift: SCTP DATA not yet acknowledged) overrides it.
   */
  protected onceDelivered(done: () => void): () => void {
    if (this.dc.bufferedAmount === 0) {
      done();
      return () => undefined;
    }
    return this.onceBufferedAmountLow(done);
  }
  /** Call `done` once when the data channel reaches `closed`; return how to stop listening. */
  protected abstract onceClosed(done: () => void): () => void;
  /** Start the data channel's close (the stream reset the peer sees as `remote`). */
  protected abstract resetStream(): void;
  /** Close the peer connection; must not throw. Synchronous where the stack allows. */
  protected abstract releaseConnection(): void | Promise<void>;

  get state(): ChannelState {
    return this.stateSubject.value;
  }

  get path(): SelectedPath {
    return this.pathSubject.value;
  }

  get bufferedAmount(): number {
    return this.dc.bufferedAmount;
  }

  send(data: Uint8Array): void {
    if (this.state !== "open" || this.dc.readyState !== "open") {
      throw new ChannelClosedError(`channel ${this.id} is ${this.state}`);
    }
    if (!(data instanceof Uint8Array)) throw new TypeError("send() expects a Uint8Array");
    if (data.byteLength > this.maxMessageSize) {
      throw new MessageTooLargeError(`message of ${data.byteLength} bytes exceeds ${this.maxMessageSize}`);
    }
    this.transmit(data);
  }

  close(): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = "local";
    this.setState("closing");
    this.detach();
    // 1. Let what send() accepted leave the stack's queue (both werift and Chromium drop what is
    //    still buffered when the stream is reset); 2. reset the stream so the peer sees a
    //    deliberate close (`remote`); 3. release the connection. Each wait is bounded, so a dead
    //    peer cannot hold the connection open.
    const dc = this.dc;
    void (async () => {
      if (dc.readyState === "open") {
        dc.bufferedAmountLowThreshold = 0;
        await bounded(this.clock, this.timings.drainGraceMs, (done) => this.onceDelivered(done));
      }
      if (dc.readyState !== "closed") {
        const reset = bounded(this.clock, this.timings.closeGraceMs, (done) => this.onceClosed(done));
        this.resetStream();
        // (TS narrowed readyState above; the stack may have moved it to "closed" since.)
        if ((dc.readyState as string) !== "closed") await reset;
      }
      await this.release();
    })();
  }

  /** Register how to undo one listener the adapter attached; run on close or loss. */
  protected attach(off: () => void): void {
    this.detachers.push(off);
  }

  /** One inbound message as bytes the consumer owns. */
  protected receive(bytes: Uint8Array): void {
    if (this.closeReason !== undefined) return;
    if (this.pending !== undefined) {
      this.pendingBytes += bytes.byteLength;
      if (this.pendingBytes > this.maxPendingBytes) {
        // Nobody is reading and the peer keeps sending: a broken channel, not a leak.
        this.lost("failed");
        return;
      }
      this.pending.push(bytes);
      return;
    }
    this.messageSubject.next(bytes);
  }

  /** The stack reports a (possibly new) selected path; emitted only when it differs. */
  protected setPath(path: SelectedPath): void {
    if (this.closeReason === undefined && !samePath(path, this.pathSubject.value)) this.pathSubject.next(path);
  }

  /** The stack reports the path's connectivity; emitted only when it changes. */
  protected setHealth(health: PathHealth): void {
    if (this.closeReason === undefined && health !== this.healthSubject.value) this.healthSubject.next(health);
  }

  /** The stack's buffered amount fell to the low-water mark. */
  protected drained(): void {
    this.drainedSubject.next();
  }

  /** The channel went away without our close(): record why and release everything. */
  protected lost(reason: ChannelCloseReason): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    this.setState("closing");
    this.detach();
    void this.release();
  }

  private flushPending(): void {
    const queued = this.pending;
    if (queued === undefined) return;
    this.pending = undefined;
    this.pendingBytes = 0;
    for (const m of queued) this.messageSubject.next(m);
  }

  private detach(): void {
    for (const off of this.detachers.splice(0)) off();
  }

  private release(): void | Promise<void> {
    const releasing = this.releaseConnection();
    // Finish synchronously when the stack releases synchronously (the browser), after it otherwise.
    if (releasing !== undefined) return releasing.then(() => this.finish());
    this.finish();
  }

  private finish(): void {
    this.pending = undefined;
    this.setState("closed");
    this.messageSubject.complete();
    this.drainedSubject.complete();
    this.pathSubject.complete();
    this.healthSubject.complete();
    this.stateSubject.complete();
    this.resolveClosed(this.closeReason ?? "failed");
    this.resolveReleased();
  }

  private setState(s: ChannelState): void {
    if (this.stateSubject.value !== s && !this.stateSubject.closed) this.stateSubject.next(s);
  }
}

/**
 * Resolve when `arm`'s callback fires or after `ms` on `clock`, whichever comes first; then stop
 * listening. (The transports hand a background clock: on Node a pending grace timer does not keep
 * the process alive.)
 */
function bounded(clock: Clock, ms: number, arm: (done: () => void) => () => void): Promise<void> {
  return new Promise((resolve) => {
    let off: (() => void) | undefined;
    let finished = false;
    const timer = clock.setTimeout(finish, ms);
    function finish() {
      if (finished) return;
      finished = true;
      clock.clearTimeout(timer);
      off?.();
      resolve();
    }
    off = arm(finish);
    if (finished) off(); // `arm` called back at once, before `off` existed
  });
}
