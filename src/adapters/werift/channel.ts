/**
 * One open werift data channel, seen through the adapter-neutral `Channel` contract.
 *
 * The channel owns its RTCPeerConnection: closing the channel closes the connection, and a
 * connection that fails underneath closes the channel with reason `failed`. werift leaves a
 * data channel in `open` when ICE consent expires or DTLS dies, so the state is derived from
 * the peer connection, the DTLS transport and the SCTP association, not from the channel alone.
 * A close we did not ask for counts as `remote` only when the SCTP association is still up
 * (the peer reset the stream: a deliberate close); otherwise the transport was lost (`failed`).
 */
import { BehaviorSubject, Observable, Subject } from "rxjs";
import type { RTCDataChannel, RTCPeerConnection } from "werift";
import {
  TransportError,
  ChannelClosedError,
  MessageTooLargeError,
  type Channel,
  type ChannelCloseReason,
  type ChannelState,
} from "../transport/types.js";

/** send() of a zero-length message (werift would drop it silently). */
export class EmptyMessageError extends TransportError {
  override readonly name = "EmptyMessageError";
}

export interface ChannelLimits {
  readonly highWaterMark: number;
  readonly lowWaterMark: number;
  readonly maxMessageSize: number;
  /** Messages held until the first subscriber to messages$ arrives (then flushed in order). */
  readonly maxPendingBytes: number;
}

/** How long close() waits for queued messages to reach SCTP before resetting the stream. */
const DRAIN_GRACE_MS = 2_000;
/** How long close() waits for the peer to acknowledge the stream reset before dropping the connection. */
const CLOSE_GRACE_MS = 500;

interface Disposable {
  unSubscribe(): void;
}

export class WeriftChannel implements Channel {
  readonly highWaterMark: number;
  readonly lowWaterMark: number;
  readonly maxMessageSize: number;
  private readonly maxPendingBytes: number;
  readonly closed: Promise<ChannelCloseReason>;
  readonly drained$: Observable<void>;
  readonly state$: Observable<ChannelState>;
  readonly messages$: Observable<Uint8Array>;

  private readonly stateSubject = new BehaviorSubject<ChannelState>("open");
  private readonly drainedSubject = new Subject<void>();
  private readonly messageSubject = new Subject<Uint8Array>();
  private pending: Uint8Array[] | undefined = [];
  private pendingBytes = 0;
  private readonly subs: Disposable[] = [];
  private resolveClosed!: (reason: ChannelCloseReason) => void;
  private closeReason: ChannelCloseReason | undefined;
  /** Resolves when the peer connection is fully released. */
  readonly released: Promise<void>;
  private resolveReleased!: () => void;

  constructor(
    readonly id: string,
    private readonly pc: RTCPeerConnection,
    private readonly dc: RTCDataChannel,
    limits: ChannelLimits,
  ) {
    this.maxPendingBytes = limits.maxPendingBytes;
    this.highWaterMark = limits.highWaterMark;
    this.lowWaterMark = limits.lowWaterMark;
    this.maxMessageSize = limits.maxMessageSize;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.released = new Promise((resolve) => (this.resolveReleased = resolve));
    this.drained$ = this.drainedSubject.asObservable();
    this.state$ = this.stateSubject.asObservable();
    this.messages$ = new Observable<Uint8Array>((subscriber) => {
      const sub = this.messageSubject.subscribe(subscriber);
      this.flushPending();
      return sub;
    });

    dc.bufferedAmountLowThreshold = this.lowWaterMark;
    this.subs.push(
      dc.onMessage.subscribe((data) => this.onMessage(data)),
      dc.bufferedAmountLow.subscribe(() => this.drainedSubject.next()),
      dc.stateChanged.subscribe((s) => {
        if (s === "closing" || s === "closed") this.lost(this.sctpUp() ? "remote" : "failed");
      }),
      pc.connectionStateChange.subscribe((s) => {
        if (s === "failed" || s === "closed") this.lost("failed");
      }),
      pc.iceConnectionStateChange.subscribe((s) => {
        if (s === "failed" || s === "closed") this.lost("failed");
      }),
    );
    const dtls = pc.sctpTransport?.dtlsTransport;
    if (dtls) {
      this.subs.push(
        dtls.onStateChange.subscribe((s) => {
          if (s === "failed" || s === "closed") this.lost("failed");
        }),
      );
    }
  }

  get state(): ChannelState {
    return this.stateSubject.value;
  }

  get bufferedAmount(): number {
    return this.dc.bufferedAmount;
  }

  send(data: Uint8Array): void {
    if (this.state !== "open" || this.dc.readyState !== "open") {
      throw new ChannelClosedError(`channel ${this.id} is ${this.state}`);
    }
    if (!(data instanceof Uint8Array)) throw new TypeError("send() expects a Uint8Array");
    if (data.byteLength === 0) {
      // werift sends an empty message as a zero-length SCTP DATA chunk, which is invalid and
      // never arrives (it does not use the W3C "empty" PPIDs). Refuse it rather than lose it.
      throw new EmptyMessageError("werift cannot carry an empty message");
    }
    if (data.byteLength > this.maxMessageSize) {
      throw new MessageTooLargeError(`message of ${data.byteLength} bytes exceeds ${this.maxMessageSize}`);
    }
    // A copy: werift queues the buffer until SCTP sends it, and the caller may reuse or zero its array.
    this.dc.send(Buffer.from(data));
  }

  close(): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = "local";
    this.setState("closing");
    this.detach();
    // 1. Let what send() accepted reach SCTP (werift resets the stream at once otherwise and
    //    the queued tail is lost); 2. reset the stream so the peer sees a deliberate close
    //    (`remote`); 3. drop the connection once the reset is acknowledged. Each wait is bounded,
    //    so a dead peer cannot hold the connection open.
    const dc = this.dc;
    void (async () => {
      if (dc.bufferedAmount > 0 && dc.readyState === "open") {
        dc.bufferedAmountLowThreshold = 0;
        await this.bounded(DRAIN_GRACE_MS, (done) => dc.bufferedAmountLow.subscribe(done));
      }
      if (dc.readyState !== "closed") {
        const reset = this.bounded(CLOSE_GRACE_MS, (done) =>
          dc.stateChanged.subscribe((st) => {
            if (st === "closed") done();
          }),
        );
        try {
          dc.close();
        } catch {
          // werift throws when the association is already gone: nothing left to reset.
        }
        // (TS narrowed readyState before close(); werift may have moved it to "closed" since.)
        if ((dc.readyState as string) !== "closed") await reset;
      }
      await this.release();
    })();
  }

  /** Resolve when `arm`'s callback fires or after `ms`, whichever comes first. */
  private bounded(ms: number, arm: (done: () => void) => Disposable): Promise<void> {
    return new Promise((resolve) => {
      let sub: Disposable | undefined;
      const timer = setTimeout(finish, ms);
      timer.unref();
      function finish() {
        clearTimeout(timer);
        sub?.unSubscribe();
        resolve();
      }
      sub = arm(finish);
    });
  }

  private sctpUp(): boolean {
    const sctp = this.pc.sctpTransport?.sctp as { state?: string } | undefined;
    const dtls = this.pc.sctpTransport?.dtlsTransport;
    return sctp?.state === "connected" && dtls?.state === "connected" && this.pc.connectionState === "connected";
  }

  private onMessage(data: string | Buffer): void {
    if (this.closeReason !== undefined) return;
    // Copy into a plain Uint8Array the consumer owns; a string (peer sent text) is passed on as
    // its UTF-8 bytes and will fail frame decoding upstream like any other garbage.
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : new Uint8Array(data);
    if (this.pending !== undefined) {
      this.pendingBytes += bytes.byteLength;
      if (this.pendingBytes > this.maxPendingBytes) {
        // Nobody is reading and the peer keeps sending: treat as a broken channel, not a leak.
        this.lost("failed");
        return;
      }
      this.pending.push(bytes);
      return;
    }
    this.messageSubject.next(bytes);
  }

  private flushPending(): void {
    const queued = this.pending;
    if (queued === undefined) return;
    this.pending = undefined;
    this.pendingBytes = 0;
    for (const m of queued) this.messageSubject.next(m);
  }

  private lost(reason: ChannelCloseReason): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    this.setState("closing");
    this.detach();
    void this.release();
  }

  private detach(): void {
    for (const s of this.subs.splice(0)) s.unSubscribe();
  }

  private async release(): Promise<void> {
    try {
      await this.pc.close();
    } catch {
      // Closing a half-dead connection may throw inside werift; the connection is gone either way.
    }
    this.pending = undefined;
    this.setState("closed");
    this.messageSubject.complete();
    this.drainedSubject.complete();
    this.stateSubject.complete();
    this.resolveClosed(this.closeReason ?? "failed");
    this.resolveReleased();
  }

  private setState(s: ChannelState): void {
    if (this.stateSubject.value !== s && !this.stateSubject.closed) this.stateSubject.next(s);
  }
}
