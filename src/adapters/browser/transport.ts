/**
 * `browserTransport`: the Transport contract over the platform's RTCPeerConnection (browsers,
 * webviews). Wire-compatible with the werift adapter: same signal codec, same data channel.
 *
 * connect(): the offerer creates one reliable, ordered data channel (label `lethe`), gathers
 * every candidate (non-trickle, bounded by `gatherTimeoutMs`), sends its SDP as one signal and
 * waits for the answer; the answerer waits for the offer, answers, and waits for the channel.
 * `.local` (mDNS-hidden) and hostname candidates are stripped in both directions, so the
 * browser never multicasts a lookup for a peer's name and never hands werift one to resolve.
 * Each connect() builds a fresh RTCPeerConnection; close() releases every one it made.
 */
import type { Subscription } from "rxjs";
import {
  BadSignalError,
  ConnectAbortedError,
  ConnectFailedError,
  TransportError,
  type Channel,
  type ConnectOptions,
  type Transport,
} from "../transport/types.js";
import { DEFAULT_MAX_SIGNAL_BYTES, SIGNAL_VERSION, encodeSignal, signalDecoder, type SignalType } from "../transport/signal-codec.js";
import { filterSdpCandidates, type BrowserCandidatePolicy } from "./candidates.js";
import { BrowserChannel } from "./channel.js";

export interface BrowserIceServer {
  readonly urls: string | readonly string[];
  readonly username?: string;
  readonly credential?: string;
}

export interface BrowserTransportOptions {
  /** STUN/TURN servers. Default `[]`: no server is contacted. */
  readonly iceServers?: readonly BrowserIceServer[];
  /** Senders pause above this many buffered bytes. Default 64 KiB (perf-baselines §1b). */
  readonly highWaterMark?: number;
  /** drained$ fires when the buffer falls to this. Default highWaterMark / 4. */
  readonly lowWaterMark?: number;
  /** Largest message send() accepts (also capped by what the connection negotiated). Default 64 KiB. */
  readonly maxMessageSize?: number;
  /** Largest inbound signal accepted. Default 16 KiB. */
  readonly maxSignalBytes?: number;
  /** Accept and send only loopback candidates (tests). Default false. */
  readonly loopbackOnly?: boolean;
  /** Longest wait for ICE gathering before the description is sent as it is. Default 5,000 ms. */
  readonly gatherTimeoutMs?: number;
  /** The RTCPeerConnection constructor; default `globalThis.RTCPeerConnection`. */
  readonly RTCPeerConnection?: typeof RTCPeerConnection;
}

/** Public counters, for tests and snapshots. */
export interface BrowserTransportStats {
  readonly connects: number;
  readonly channelsOpened: number;
  readonly badSignals: number;
  readonly candidatesStripped: number;
}

export interface BrowserTransport extends Transport {
  readonly stats: BrowserTransportStats;
}

const KiB = 1024;
const LABEL = "lethe";

export class NoWebRtcError extends TransportError {
  override readonly name = "NoWebRtcError";
}

export function browserTransport(options: BrowserTransportOptions = {}): BrowserTransport {
  const PeerConnection =
    options.RTCPeerConnection ?? (globalThis as { RTCPeerConnection?: typeof RTCPeerConnection }).RTCPeerConnection;
  if (PeerConnection === undefined) throw new NoWebRtcError("this environment has no RTCPeerConnection");
  const highWaterMark = options.highWaterMark ?? 64 * KiB;
  const lowWaterMark = options.lowWaterMark ?? Math.floor(highWaterMark / 4);
  const maxMessageSize = options.maxMessageSize ?? 64 * KiB;
  if (!(highWaterMark > 0 && lowWaterMark >= 0 && lowWaterMark <= highWaterMark)) {
    throw new RangeError("need 0 <= lowWaterMark <= highWaterMark, highWaterMark > 0");
  }
  if (!(Number.isInteger(maxMessageSize) && maxMessageSize > 0 && maxMessageSize <= 256 * KiB)) {
    throw new RangeError("maxMessageSize must be an integer in 1..262144");
  }
  const gatherTimeoutMs = options.gatherTimeoutMs ?? 5_000;
  const policy: BrowserCandidatePolicy = { loopbackOnly: options.loopbackOnly ?? false };
  const config: RTCConfiguration = {
    iceServers: (options.iceServers ?? []).map((s) => ({
      urls: typeof s.urls === "string" ? s.urls : [...s.urls],
      ...(s.username !== undefined ? { username: s.username } : {}),
      ...(s.credential !== undefined ? { credential: s.credential } : {}),
    })),
    bundlePolicy: "max-bundle",
  };
  const decode = signalDecoder(options.maxSignalBytes ?? DEFAULT_MAX_SIGNAL_BYTES);

  const stats = { connects: 0, channelsOpened: 0, badSignals: 0, candidatesStripped: 0 };
  const live = new Set<RTCPeerConnection>();
  const channels = new Set<BrowserChannel>();
  const aborters = new Set<(e: Error) => void>();
  let closed = false;
  let counter = 0;

  const filter = (sdp: string): string => {
    const f = filterSdpCandidates(sdp, policy);
    stats.candidatesStripped += f.stripped;
    return f.sdp;
  };

  async function connect(opts: ConnectOptions): Promise<Channel> {
    if (closed) throw new TransportError("transport is closed");
    if (opts.signal?.aborted) throw new ConnectAbortedError("connect aborted before it started");
    stats.connects++;
    const id = `browser-${++counter}`;
    const pc = new PeerConnection!(config);
    live.add(pc);

    // Everything that can end the attempt early funnels into one rejection.
    let fail!: (e: Error) => void;
    const failure = new Promise<never>((_, reject) => (fail = reject));
    failure.catch(() => undefined);
    const onAbort = () => fail(new ConnectAbortedError("connect aborted"));
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    aborters.add(fail);
    const onPcState = () => {
      if (pc.connectionState === "failed") fail(new ConnectFailedError("ICE/DTLS failed while connecting"));
    };
    pc.addEventListener("connectionstatechange", onPcState);

    // Subscribe to the pipe at once so a signal that arrives early is not lost.
    const inbox: Uint8Array[] = [];
    let wake: (() => void) | undefined;
    const pipeSub: Subscription = opts.signals.received$.subscribe({
      next: (bytes) => {
        inbox.push(bytes);
        wake?.();
      },
      complete: () => fail(new ConnectFailedError("signal pipe closed before the peer answered")),
      error: (e: unknown) => fail(new ConnectFailedError("signal pipe failed", { cause: e })),
    });
    const step = <T>(p: Promise<T>): Promise<T> => Promise.race([p, failure]);
    const nextSignal = async (expected: SignalType): Promise<string> => {
      while (inbox.length === 0) await step(new Promise<void>((r) => (wake = r)));
      const bytes = inbox.shift()!;
      try {
        const sig = decode(bytes);
        if (sig.type !== expected) throw new BadSignalError(`expected an ${expected}, got an ${sig.type}`);
        return filter(sig.sdp);
      } catch (e) {
        stats.badSignals++;
        throw e;
      }
    };
    const gathered = () =>
      step(
        new Promise<void>((resolve) => {
          if (pc.iceGatheringState === "complete") return resolve();
          const timer = setTimeout(finish, gatherTimeoutMs);
          function finish() {
            clearTimeout(timer);
            pc.removeEventListener("icegatheringstatechange", onChange);
            resolve();
          }
          function onChange() {
            if (pc.iceGatheringState === "complete") finish();
          }
          pc.addEventListener("icegatheringstatechange", onChange);
        }),
      );
    const gather = async (): Promise<string> => {
      const description = await step(opts.role === "offerer" ? pc.createOffer() : pc.createAnswer());
      await step(pc.setLocalDescription(description));
      await gathered();
      const local = pc.localDescription?.sdp;
      if (local === undefined) throw new ConnectFailedError("the browser produced no local description");
      return filter(local);
    };
    const send = (type: SignalType, sdp: string) => opts.signals.send(encodeSignal({ v: SIGNAL_VERSION, type, sdp }));
    const setRemote = async (type: SignalType, sdp: string) => {
      try {
        await step(pc.setRemoteDescription({ type, sdp }));
      } catch (e) {
        if (e instanceof TransportError) throw e;
        stats.badSignals++;
        throw new BadSignalError(`peer's ${type} was refused by the browser`, { cause: e });
      }
    };
    const opened = (dc: RTCDataChannel) =>
      step(
        new Promise<RTCDataChannel>((resolve, reject) => {
          if (dc.readyState === "open") return resolve(dc);
          dc.addEventListener("open", () => resolve(dc), { once: true });
          dc.addEventListener("close", () => reject(new ConnectFailedError("data channel closed while opening")), { once: true });
        }),
      );

    try {
      let dc: RTCDataChannel;
      if (opts.role === "offerer") {
        const created = pc.createDataChannel(LABEL, { ordered: true });
        created.binaryType = "arraybuffer";
        send("offer", await gather());
        await setRemote("answer", await nextSignal("answer"));
        dc = await opened(created);
      } else {
        const incoming = new Promise<RTCDataChannel>((resolve) =>
          pc.addEventListener("datachannel", (e) => resolve(e.channel), { once: true }),
        );
        await setRemote("offer", await nextSignal("offer"));
        send("answer", await gather());
        const remoteDc = await step(incoming);
        remoteDc.binaryType = "arraybuffer";
        if (remoteDc.label !== LABEL || !remoteDc.ordered || remoteDc.maxRetransmits !== null || remoteDc.maxPacketLifeTime !== null) {
          throw new ConnectFailedError("peer opened a data channel that is not the reliable ordered sync channel");
        }
        dc = await opened(remoteDc);
      }
      // The connection may have negotiated less than we would accept (a=max-message-size).
      const negotiated = pc.sctp?.maxMessageSize;
      const limit = negotiated !== undefined && negotiated > 0 ? Math.min(maxMessageSize, negotiated) : maxMessageSize;
      const channel = new BrowserChannel(id, pc, dc, {
        highWaterMark,
        lowWaterMark,
        maxMessageSize: limit,
        maxPendingBytes: 4 * 1024 * KiB,
      });
      channels.add(channel);
      stats.channelsOpened++;
      void channel.released.then(() => {
        channels.delete(channel);
        live.delete(pc);
      });
      return channel;
    } catch (e) {
      live.delete(pc);
      pc.close();
      throw e instanceof TransportError ? e : new ConnectFailedError("browser connect failed", { cause: e });
    } finally {
      pipeSub.unsubscribe();
      pc.removeEventListener("connectionstatechange", onPcState);
      aborters.delete(fail);
      opts.signal?.removeEventListener("abort", onAbort);
    }
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    for (const abort of aborters) abort(new ConnectAbortedError("transport closed"));
    const waits: Promise<unknown>[] = [];
    for (const ch of channels) {
      ch.close();
      waits.push(ch.released);
    }
    // Connections still being set up are closed by their own connect(), which the abort above ends.
    await Promise.all(waits);
  }

  return { kind: "browser", connect, close, stats };
}
