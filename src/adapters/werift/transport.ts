/**
 * `weriftTransport`: the Transport contract over werift WebRTC data channels (Node).
 *
 * connect(): the offerer creates one reliable, ordered data channel, gathers (non-trickle),
 * sends its SDP as one signal and waits for the answer; the answerer waits for the offer,
 * answers, and waits for the channel. Every SDP is filtered through the candidate policy in
 * both directions, and werift's hidden STUN fallback is pinned off per connection (ice.ts).
 * Each connect() builds a fresh RTCPeerConnection, so a reconnect is simply another connect()
 * on a fresh pipe; close() releases every connection this transport made.
 */
import { isIP } from "node:net";
import type { Subscription } from "rxjs";
import { RTCPeerConnection, type RTCDataChannel } from "werift";
import {
  BadSignalError,
  ConnectAbortedError,
  ConnectFailedError,
  TransportError,
  type Channel,
  type ConnectOptions,
  type Transport,
} from "../transport/types.js";
import { filterSdpCandidates, isLoopback, type CandidatePolicy } from "./candidates.js";
import { WeriftChannel } from "./channel.js";
import { assertNoStrayStun, configuresStun, peerConfig, pinIceServers, type IceServer } from "./ice.js";
import { DEFAULT_MAX_SIGNAL_BYTES, SIGNAL_VERSION, encodeSignal, signalDecoder, type SignalType } from "./signal.js";

export interface WeriftTransportOptions {
  /** STUN/TURN servers. Default `[]`: no server is contacted at all (not even werift's default). */
  readonly iceServers?: readonly IceServer[];
  /** Gather only this local address (one host candidate, sockets bound to it). */
  readonly interfaceAddress?: string;
  /** Use 127.0.0.1 only, and accept only loopback candidates from the peer. Default false. */
  readonly loopbackOnly?: boolean;
  /** Senders pause above this many buffered bytes. Default 64 KiB (perf-baselines §1b). */
  readonly highWaterMark?: number;
  /** drained$ fires when the buffer falls to this. Default highWaterMark / 4. */
  readonly lowWaterMark?: number;
  /** Largest message; also advertised as the SCTP max-message-size. Default 64 KiB. */
  readonly maxMessageSize?: number;
  /** Largest inbound signal accepted. Default 16 KiB. */
  readonly maxSignalBytes?: number;
  /** UDP port range for ICE sockets. Default: any. */
  readonly portRange?: readonly [number, number];
}

/** Public counters, for tests and snapshots. */
export interface WeriftTransportStats {
  readonly connects: number;
  readonly channelsOpened: number;
  readonly badSignals: number;
  readonly candidatesStripped: number;
}

export interface WeriftTransport extends Transport {
  readonly stats: WeriftTransportStats;
}

const KiB = 1024;
const LABEL = "lethe";

export function weriftTransport(options: WeriftTransportOptions = {}): WeriftTransport {
  const loopbackOnly = options.loopbackOnly ?? false;
  const interfaceAddress = options.interfaceAddress ?? (loopbackOnly ? "127.0.0.1" : undefined);
  if (interfaceAddress !== undefined && isIP(interfaceAddress) === 0) {
    throw new TypeError(`interfaceAddress must be an IP address, got ${JSON.stringify(interfaceAddress)}`);
  }
  if (loopbackOnly && interfaceAddress !== undefined && !isLoopback(interfaceAddress)) {
    throw new TypeError("loopbackOnly needs a loopback interfaceAddress");
  }
  const highWaterMark = options.highWaterMark ?? 64 * KiB;
  const lowWaterMark = options.lowWaterMark ?? Math.floor(highWaterMark / 4);
  const maxMessageSize = options.maxMessageSize ?? 64 * KiB;
  if (!(highWaterMark > 0 && lowWaterMark >= 0 && lowWaterMark <= highWaterMark)) {
    throw new RangeError("need 0 <= lowWaterMark <= highWaterMark, highWaterMark > 0");
  }
  if (!(Number.isInteger(maxMessageSize) && maxMessageSize > 0 && maxMessageSize <= 256 * KiB)) {
    throw new RangeError("maxMessageSize must be an integer in 1..262144");
  }
  const iceServers = options.iceServers ?? [];
  const stunConfigured = configuresStun(iceServers);
  const config = peerConfig(
    {
      iceServers,
      loopbackOnly,
      ...(interfaceAddress !== undefined ? { interfaceAddress } : {}),
      ...(options.portRange !== undefined ? { portRange: options.portRange } : {}),
    },
    maxMessageSize,
  );
  const fam = interfaceAddress !== undefined ? isIP(interfaceAddress) : 0;
  const policy: CandidatePolicy = { loopbackOnly, ...(fam === 4 || fam === 6 ? { family: fam } : {}) };
  const decode = signalDecoder(options.maxSignalBytes ?? DEFAULT_MAX_SIGNAL_BYTES);
  const limits = { highWaterMark, lowWaterMark, maxMessageSize, maxPendingBytes: 4 * 1024 * KiB };

  const stats = { connects: 0, channelsOpened: 0, badSignals: 0, candidatesStripped: 0 };
  const live = new Set<RTCPeerConnection>();
  const channels = new Set<WeriftChannel>();
  const aborters = new Set<(e: Error) => void>();
  let closed = false;
  let counter = 0;

  const filter = (sdp: string): string => {
    const f = filterSdpCandidates(sdp, policy);
    stats.candidatesStripped += f.stripped;
    if (f.kept === 0) throw new BadSignalError("no usable ICE candidate in the session description");
    return f.sdp;
  };

  async function connect(opts: ConnectOptions): Promise<Channel> {
    if (closed) throw new TransportError("transport is closed");
    if (opts.signal?.aborted) throw new ConnectAbortedError("connect aborted before it started");
    stats.connects++;
    const id = `werift-${++counter}`;
    const pc = new RTCPeerConnection(config);
    live.add(pc);

    // Everything that can end the attempt early funnels into one rejection.
    let fail!: (e: Error) => void;
    const failure = new Promise<never>((_, reject) => (fail = reject));
    failure.catch(() => undefined);
    const onAbort = () => fail(new ConnectAbortedError("connect aborted"));
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    aborters.add(fail);
    const pcState = pc.connectionStateChange.subscribe((s) => {
      if (s === "failed") fail(new ConnectFailedError("ICE/DTLS failed while connecting"));
    });

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
    const nextSignal = async (expected: SignalType): Promise<string> => {
      while (inbox.length === 0) await Promise.race([new Promise<void>((r) => (wake = r)), failure]);
      const bytes = inbox.shift()!;
      let sig;
      try {
        sig = decode(bytes);
        if (sig.type !== expected) throw new BadSignalError(`expected an ${expected}, got an ${sig.type}`);
        return filter(sig.sdp);
      } catch (e) {
        stats.badSignals++;
        throw e;
      }
    };
    const step = <T>(p: Promise<T>): Promise<T> => Promise.race([p, failure]);
    const send = (type: SignalType, sdp: string) =>
      opts.signals.send(encodeSignal({ v: SIGNAL_VERSION, type, sdp: filter(sdp) }));
    const gather = async () => {
      pinIceServers(pc);
      await step(pc.setLocalDescription(await step(opts.role === "offerer" ? pc.createOffer() : pc.createAnswer())));
      assertNoStrayStun(pc, stunConfigured);
      const local = pc.localDescription?.sdp;
      if (local === undefined) throw new ConnectFailedError("werift produced no local description");
      return local;
    };
    const setRemote = async (type: SignalType, sdp: string) => {
      try {
        await step(pc.setRemoteDescription({ type, sdp }));
      } catch (e) {
        if (e instanceof TransportError) throw e;
        stats.badSignals++;
        throw new BadSignalError(`peer's ${type} was refused by werift`, { cause: e });
      }
    };
    const opened = (dc: RTCDataChannel) =>
      step(
        new Promise<RTCDataChannel>((resolve, reject) => {
          if (dc.readyState === "open") return resolve(dc);
          const sub = dc.stateChanged.subscribe((s) => {
            if (s === "open") {
              sub.unSubscribe();
              resolve(dc);
            } else if (s === "closed") {
              sub.unSubscribe();
              reject(new ConnectFailedError("data channel closed while opening"));
            }
          });
        }),
      );

    try {
      let dc: RTCDataChannel;
      if (opts.role === "offerer") {
        const created = pc.createDataChannel(LABEL, { ordered: true });
        send("offer", await gather());
        await setRemote("answer", await nextSignal("answer"));
        dc = await opened(created);
      } else {
        const incoming = new Promise<RTCDataChannel>((resolve) => pc.onDataChannel.subscribe(resolve));
        await setRemote("offer", await nextSignal("offer"));
        send("answer", await gather());
        const remoteDc = await step(incoming);
        if (remoteDc.label !== LABEL || !remoteDc.ordered || remoteDc.maxRetransmits !== null || remoteDc.maxPacketLifeTime !== null) {
          throw new ConnectFailedError("peer opened a data channel that is not the reliable ordered sync channel");
        }
        dc = await opened(remoteDc);
      }
      const channel = new WeriftChannel(id, pc, dc, limits);
      channels.add(channel);
      stats.channelsOpened++;
      void channel.released.then(() => {
        channels.delete(channel);
        live.delete(pc);
      });
      return channel;
    } catch (e) {
      live.delete(pc);
      await pc.close().catch(() => undefined);
      throw e instanceof TransportError ? e : new ConnectFailedError("werift connect failed", { cause: e });
    } finally {
      pipeSub.unsubscribe();
      pcState.unSubscribe();
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
    for (const pc of live) waits.push(pc.close().catch(() => undefined));
    await Promise.all(waits);
  }

  return { kind: "werift", connect, close, stats };
}
