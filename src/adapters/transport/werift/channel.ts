/**
 * One open werift data channel, seen through the adapter-neutral `Channel` contract. The
 * stack-independent part (state, messages, back-pressure, the close sequence) is the shared
 * `WebRtcChannel` (src/adapters/transport/webrtc/channel.ts); this file wires werift to it.
 *
 * The channel owns its RTCPeerConnection: closing the channel closes the connection, and a
 * connection that fails underneath closes the channel with reason `failed`. werift leaves a
 * data channel in `open` when ICE consent expires or DTLS dies, so the state is derived from
 * the peer connection, the DTLS transport and the SCTP association, not from the channel alone.
 * A close we did not ask for counts as `remote` only when the SCTP association is still up
 * (the peer reset the stream: a deliberate close); otherwise the transport was lost (`failed`).
 */
import type { RTCDataChannel, RTCIceTransport, RTCPeerConnection } from "werift";
import { CLOSE_DELIVERY_MS, TransportError, type ConnectOptions, type SelectedPath } from "../types.js";
import { icePath, UNKNOWN_PATH } from "../path.js";
import { WebRtcChannel, type ChannelLimits } from "../webrtc/channel.js";
import type { Clock } from "../../../clock.js";

export type { ChannelLimits } from "../webrtc/channel.js";

/** send() of a zero-length message (werift would drop it silently). */
export class EmptyMessageError extends TransportError {
  override readonly name = "EmptyMessageError";
}

const TIMINGS = {
  /** How long close() waits for what send() accepted to be acknowledged by the peer before resetting the stream. */
  drainGraceMs: CLOSE_DELIVERY_MS,
  /** How long close() waits for the peer to acknowledge the stream reset before dropping the connection. */
  closeGraceMs: 500,
};

interface Disposable {
  unSubscribe(): void;
}

/** The parts of werift's SCTP association the delivery wait reads (`sentQueue` is private in its typings). */
interface SctpQueues {
  readonly outboundQueue: readonly unknown[];
  readonly sentQueue?: readonly unknown[];
  readonly flush: { subscribe(f: () => void): Disposable };
}

/** The nominated pair of werift's ICE connection (the pair it sends on), as a SelectedPath. */
export function weriftSelectedPath(ice: RTCIceTransport): SelectedPath {
  const pair = ice.connection.nominated;
  if (pair === undefined) return UNKNOWN_PATH;
  return icePath(pair.localCandidate.type, pair.remoteCandidate.type, pair.localCandidate.transport);
}

export class WeriftChannel extends WebRtcChannel<RTCDataChannel> {
  restartIce?: (options: ConnectOptions) => Promise<void>;

  constructor(
    id: string,
    private readonly pc: RTCPeerConnection,
    dc: RTCDataChannel,
    limits: ChannelLimits,
    clock: Clock,
    restart?: (options: ConnectOptions) => Promise<void>,
  ) {
    super(id, dc, limits, TIMINGS, clock);
    if (restart !== undefined) this.restartIce = restart;
    const watch = (d: Disposable) => this.attach(() => d.unSubscribe());
    watch(dc.onMessage.subscribe((data) => this.onMessage(data)));
    watch(dc.bufferedAmountLow.subscribe(() => this.drained()));
    watch(
      dc.stateChanged.subscribe((s) => {
        if (s === "closing" || s === "closed") this.lost(this.sctpUp() ? "remote" : "failed");
      }),
    );
    watch(
      pc.connectionStateChange.subscribe((s) => {
        if (s === "failed" || s === "closed") this.lost("failed");
      }),
    );
    watch(
      pc.iceConnectionStateChange.subscribe((s) => {
        if (s === "failed" || s === "closed") this.lost("failed");
        else if (s === "disconnected") this.setHealth("disconnected");
        else if (s === "connected") this.setHealth("connected");
      }),
    );
    const dtls = pc.sctpTransport?.dtlsTransport;
    if (dtls) {
      watch(
        dtls.onStateChange.subscribe((s) => {
          if (s === "failed" || s === "closed") this.lost("failed");
        }),
      );
      // werift selects one pair per ICE generation and announces no pair change; a new pair
      // (an ICE restart, a renomination) comes with ICE state changes, so re-read it on each.
      const ice = dtls.iceTransport;
      this.setPath(weriftSelectedPath(ice));
      watch(ice.onStateChange.subscribe(() => this.setPath(weriftSelectedPath(ice))));
    }
  }

  protected transmit(data: Uint8Array): void {
    if (data.byteLength === 0) {
      // werift sends an empty message as a zero-length SCTP DATA chunk, which is invalid and
      // never arrives (it does not use the W3C "empty" PPIDs). Refuse it rather than lose it.
      throw new EmptyMessageError("werift cannot carry an empty message");
    }
    // A copy: werift queues the buffer until SCTP sends it, and the caller may reuse or zero its array.
    this.dc.send(Buffer.from(data));
  }

  protected onceBufferedAmountLow(done: () => void): () => void {
    const sub = this.dc.bufferedAmountLow.subscribe(done);
    return () => sub.unSubscribe();
  }

  /**
   * Everything send() accepted has been acknowledged by the peer's SCTP: werift's bufferedAmount
   * is 0 (handed to SCTP) and SCTP holds no queued or unacknowledged DATA chunk. The stricter
   * wait matters because werift, receiving a stream reset, closes the channel at once instead
   * of first waiting for every TSN up to the request's "sender's last assigned TSN" (RFC 6525
   * §5.2.2), so a DATA chunk lost once and retransmitted after the reset would be dropped.
   * Checked whenever werift's SCTP finishes a transmit pass (after every SACK) or its
   * bufferedAmount falls.
   */
  protected override onceDelivered(done: () => void): () => void {
    const sctp = this.pc.sctpTransport?.sctp as unknown as SctpQueues | undefined;
    const delivered = () =>
      this.dc.bufferedAmount === 0 &&
      (sctp === undefined || (sctp.outboundQueue.length === 0 && (sctp.sentQueue?.length ?? 0) === 0));
    const check = () => {
      if (delivered()) done();
    };
    const subs = [this.dc.bufferedAmountLow.subscribe(check), ...(sctp ? [sctp.flush.subscribe(check)] : [])];
    check();
    return () => subs.forEach((s) => s.unSubscribe());
  }

  protected onceClosed(done: () => void): () => void {
    const sub = this.dc.stateChanged.subscribe((st) => {
      if (st === "closed") done();
    });
    return () => sub.unSubscribe();
  }

  protected resetStream(): void {
    try {
      this.dc.close();
    } catch {
      // werift throws when the association is already gone: nothing left to reset.
    }
  }

  protected async releaseConnection(): Promise<void> {
    try {
      await this.pc.close();
    } catch {
      // Closing a half-dead connection may throw inside werift; the connection is gone either way.
    }
  }

  private sctpUp(): boolean {
    const sctp = this.pc.sctpTransport?.sctp as { state?: string } | undefined;
    const dtls = this.pc.sctpTransport?.dtlsTransport;
    return sctp?.state === "connected" && dtls?.state === "connected" && this.pc.connectionState === "connected";
  }

  private onMessage(data: string | Buffer): void {
    // Copy into a plain Uint8Array the consumer owns; a string (peer sent text) is passed on as
    // its UTF-8 bytes and will fail frame decoding upstream like any other garbage.
    this.receive(typeof data === "string" ? new TextEncoder().encode(data) : new Uint8Array(data));
  }
}
