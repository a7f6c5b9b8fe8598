/**
 * `weriftTransport`: the Transport contract over werift WebRTC data channels (Node).
 *
 * connect(): the offerer creates one reliable, ordered data channel, gathers (non-trickle),
 * sends its SDP as one signal and waits for the answer; the answerer waits for the offer,
 * answers, and waits for the channel. Every SDP is filtered through the candidate policy in
 * both directions, werift's hidden STUN fallback is pinned off per connection (ice.ts), and its
 * DTLS record numbering is kept clear of the handshake's (dtls-sequence.ts).
 * Each connect() builds a fresh RTCPeerConnection, so a reconnect is simply another connect()
 * on a fresh pipe; close() releases every connection this transport made. The stack-independent
 * part (signal exchange, offer/answer sequence, bookkeeping) is src/adapters/transport/webrtc/connect.ts.
 *
 * `weriftTransport(init)` checks `init` and returns a factory of the engine's components: the
 * channels' close grace waits run on `components.clock` (werift's own ICE/DTLS/SCTP timers are
 * inside werift and stay on its timers). werift is an optional peer dependency, loaded by the
 * first connect() (MissingDependencyError when it is not installed).
 */
import { isIP } from "node:net";
import type { RTCDataChannel, RTCPeerConnection } from "werift";
import { backgroundClock } from "../../../clock.js";
import { importOptional } from "../../../optional-dependency.js";
import { defaultComponents, type AdapterFactory, type Components } from "../../components.js";
import {
  BadSignalError,
  ConnectAbortedError,
  ConnectFailedError,
  configuresTurn,
  NoPathError,
  TransportError,
  type Channel,
  type ConnectOptions,
  type Transport,
} from "../types.js";
import { DEFAULT_MAX_SIGNAL_BYTES, signalDecoder } from "../webrtc/signal-codec.js";
import { filterSdpCandidates, isLoopback, type CandidatePolicy } from "../webrtc/candidates.js";
import {
  MAX_PENDING_BYTES,
  SYNC_CHANNEL_LABEL,
  SignalExchange,
  WebRtcConnections,
  type ExchangeOps,
  resolveChannelLimits,
} from "../webrtc/connect.js";
import { WeriftChannel } from "./channel.js";
import { guardDtlsSequence } from "./dtls-sequence.js";
import { assertNoStrayStun, configuresStun, peerConfig, pinIceServers, type IceServer } from "./ice.js";

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

export function weriftTransport(options: WeriftTransportOptions = {}): AdapterFactory<WeriftTransport> {
  const loopbackOnly = options.loopbackOnly ?? false;
  const interfaceAddress = options.interfaceAddress ?? (loopbackOnly ? "127.0.0.1" : undefined);
  if (interfaceAddress !== undefined && isIP(interfaceAddress) === 0) {
    throw new TypeError(`interfaceAddress must be an IP address, got ${JSON.stringify(interfaceAddress)}`);
  }
  if (loopbackOnly && interfaceAddress !== undefined && !isLoopback(interfaceAddress)) {
    throw new TypeError("loopbackOnly needs a loopback interfaceAddress");
  }
  const { highWaterMark, lowWaterMark, maxMessageSize } = resolveChannelLimits(options);
  const iceServers = options.iceServers ?? [];
  const stunConfigured = configuresStun(iceServers);
  const turnConfigured = configuresTurn(iceServers);
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
  const limits = { highWaterMark, lowWaterMark, maxMessageSize, maxPendingBytes: MAX_PENDING_BYTES };
  const settings: WeriftSettings = { config, policy, decode, limits, stunConfigured, turnConfigured };
  return (components = defaultComponents) => createWeriftTransport(settings, components);
}

/** What weriftTransport(init) resolved from its options, shared by every transport made from it. */
interface WeriftSettings {
  readonly config: ReturnType<typeof peerConfig>;
  readonly policy: CandidatePolicy;
  readonly decode: ReturnType<typeof signalDecoder>;
  readonly limits: { readonly highWaterMark: number; readonly lowWaterMark: number; readonly maxMessageSize: number; readonly maxPendingBytes: number };
  readonly stunConfigured: boolean;
  readonly turnConfigured: boolean;
}

function createWeriftTransport({ config, policy, decode, limits, stunConfigured, turnConfigured }: WeriftSettings, components: Components): WeriftTransport {
  // Grace waits while closing must not hold a Node process open on their own.
  const clock = backgroundClock(components.clock);

  const stats = { connects: 0, channelsOpened: 0, badSignals: 0, candidatesStripped: 0 };
  const book = new WebRtcConnections<RTCPeerConnection, WeriftChannel>();

  const filter = (sdp: string): string => {
    const f = filterSdpCandidates(sdp, policy);
    stats.candidatesStripped += f.stripped;
    if (f.kept === 0) throw new BadSignalError("no usable ICE candidate in the session description");
    return f.sdp;
  };

  /** Gather and apply descriptions for one offer/answer round on `pc` (connect and ICE restart). */
  const exchangeOps = (pc: RTCPeerConnection, x: SignalExchange, role: ConnectOptions["role"]): ExchangeOps => ({
    stack: "werift",
    gather: async () => {
      pinIceServers(pc);
      const description = await x.step(role === "offerer" ? pc.createOffer() : pc.createAnswer());
      guardDtlsSequence(pc); // before the DTLS handshake can start (dtls-sequence.ts)
      await x.step(pc.setLocalDescription(description));
      assertNoStrayStun(pc, stunConfigured);
      const local = pc.localDescription?.sdp;
      if (local === undefined) throw new ConnectFailedError("werift produced no local description");
      return filter(local);
    },
    setRemoteDescription: async (description) => {
      await pc.setRemoteDescription(description);
      guardDtlsSequence(pc);
    },
  });

  /**
   * ICE restart on a live connection (Channel.restartIce): new credentials, one offer/answer over
   * the fresh pipe, new checks. werift 0.25's own `connect()` returns early while DTLS is
   * connected (peerConnection.ts: `if (checkDtlsConnected()) return` before `iceTransport.start()`),
   * so after the exchange its ICE reports `completed` with no pair selected and every packet is
   * dropped; starting the checks through `RTCIceTransport.start()` makes the restart work.
   */
  async function restartIce(pc: RTCPeerConnection, opts: ConnectOptions): Promise<void> {
    if (book.closed) throw new TransportError("transport is closed");
    if (opts.signal?.aborted) throw new ConnectAbortedError("ICE restart aborted before it started");
    const x = new SignalExchange(opts, decode, filter, stats, book.aborters);
    const pcState = pc.connectionStateChange.subscribe((s) => {
      if (s === "failed" || s === "closed") x.fail(new ConnectFailedError("the connection ended during the ICE restart"));
    });
    try {
      if (opts.role === "offerer") pc.restartIce();
      await x.exchange(opts.role, exchangeOps(pc, x, opts.role));
      const unselected = pc.iceTransports.filter((t) => t.connection.nominated === undefined);
      await x.step(Promise.all(unselected.map((t) => t.start())));
    } catch (e) {
      throw e instanceof TransportError ? e : new ConnectFailedError("werift ICE restart failed", { cause: e });
    } finally {
      x.dispose();
      pcState.unSubscribe();
    }
  }

  async function connect(opts: ConnectOptions): Promise<Channel> {
    const { RTCPeerConnection } = await importOptional("werift", () => import("werift"));
    const id = book.begin(opts, stats, "werift");
    const pc = new RTCPeerConnection(config);
    book.connecting.add(pc);

    const x = new SignalExchange(opts, decode, filter, stats, book.aborters);
    const pcState = pc.connectionStateChange.subscribe((s) => {
      if (s === "failed") x.fail(new ConnectFailedError("ICE/DTLS failed while connecting"));
    });
    // ICE gives up long before the engine's connect timeout (werift: ~2 s after its checks
    // fail): say at once that there is no path, and whether a TURN server would be the answer.
    const iceState = pc.iceConnectionStateChange.subscribe((s) => {
      if (s === "failed") x.fail(new NoPathError(turnConfigured));
    });
    const opened = (dc: RTCDataChannel) =>
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
      });

    try {
      const dc = await x.negotiate(opts.role, {
        ...exchangeOps(pc, x, opts.role),
        createChannel: () => pc.createDataChannel(SYNC_CHANNEL_LABEL, { ordered: true }),
        incoming: () => new Promise<RTCDataChannel>((resolve) => pc.onDataChannel.subscribe(resolve)),
        opened,
      });
      return book.adopt(new WeriftChannel(id, pc, dc, limits, clock, (o) => restartIce(pc, o)), pc, stats);
    } catch (e) {
      // Stopped (the engine's connect timeout) while ICE was still checking with both
      // descriptions in place: there is no path, and saying so beats "aborted".
      const checking = pc.remoteDescription !== null && !["connected", "completed"].includes(pc.iceConnectionState);
      book.connecting.delete(pc);
      await pc.close().catch(() => undefined); // closing a connection that never opened: nothing to report
      if (e instanceof ConnectAbortedError && checking) throw new NoPathError(turnConfigured);
      throw e instanceof TransportError ? e : new ConnectFailedError("werift connect failed", { cause: e });
    } finally {
      x.dispose();
      pcState.unSubscribe();
      iceState.unSubscribe();
    }
  }

  // Releasing: a connection that fails to close cleanly has nothing left to tell anyone.
  const close = () => book.close((pc) => pc.close().catch(() => undefined));

  return { kind: "werift", connect, close, stats };
}
