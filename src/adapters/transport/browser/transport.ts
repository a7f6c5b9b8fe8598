/**
 * `browserTransport`: the Transport contract over the platform's RTCPeerConnection (browsers,
 * webviews). Wire-compatible with the werift adapter: same signal codec, same data channel.
 *
 * connect(): the offerer creates one reliable, ordered data channel (label `lethe`), gathers
 * every candidate (non-trickle, bounded by `gatherTimeoutMs`), sends its SDP as one signal and
 * waits for the answer; the answerer waits for the offer, answers, and waits for the channel.
 * `.local` (mDNS-hidden) and hostname candidates are stripped in both directions, so the
 * browser never multicasts a lookup for a peer's name and never hands werift one to resolve.
 * Each connect() builds a fresh RTCPeerConnection; close() releases every one it made. The
 * stack-independent part (signal exchange, offer/answer sequence, bookkeeping) is shared with
 * werift: src/adapters/transport/webrtc/connect.ts.
 *
 * `browserTransport(init)` returns a factory of the engine's components: the gather timeout and
 * the channels' close grace waits run on `components.clock`.
 */
import { backgroundClock } from "../../../clock.js";
import { defaultComponents, type AdapterFactory, type Components } from "../../components.js";
import { ConnectAbortedError, ConnectFailedError, configuresTurn, NoPathError, TransportError, type Channel, type ConnectOptions, type Transport } from "../types.js";
import { DEFAULT_MAX_SIGNAL_BYTES, signalDecoder } from "../webrtc/signal-codec.js";
import { filterSdpCandidates, type CandidatePolicy } from "../webrtc/candidates.js";
import {
  MAX_PENDING_BYTES,
  SYNC_CHANNEL_LABEL,
  SignalExchange,
  WebRtcConnections,
  resolveChannelLimits,
} from "../webrtc/connect.js";
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

export class NoWebRtcError extends TransportError {
  override readonly name = "NoWebRtcError";
}

export function browserTransport(options: BrowserTransportOptions = {}): AdapterFactory<BrowserTransport> {
  return (components = defaultComponents) => createBrowserTransport(options, components);
}

function createBrowserTransport(options: BrowserTransportOptions, components: Components): BrowserTransport {
  const PeerConnection =
    options.RTCPeerConnection ?? (globalThis as { RTCPeerConnection?: typeof RTCPeerConnection }).RTCPeerConnection;
  if (PeerConnection === undefined) throw new NoWebRtcError("this environment has no RTCPeerConnection");
  const clock = components.clock;
  // Grace waits while closing must not hold a Node process open (the gather timeout is part of connect()).
  const graceClock = backgroundClock(clock);
  const { highWaterMark, lowWaterMark, maxMessageSize } = resolveChannelLimits(options);
  const gatherTimeoutMs = options.gatherTimeoutMs ?? 5_000;
  const policy: CandidatePolicy = { loopbackOnly: options.loopbackOnly ?? false };
  const turnConfigured = configuresTurn(options.iceServers ?? []);
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
  const book = new WebRtcConnections<RTCPeerConnection, BrowserChannel>();

  const filter = (sdp: string): string => {
    const f = filterSdpCandidates(sdp, policy);
    stats.candidatesStripped += f.stripped;
    return f.sdp;
  };

  async function connect(opts: ConnectOptions): Promise<Channel> {
    const id = book.begin(opts, stats, "browser");
    const pc = new PeerConnection!(config);
    book.connecting.add(pc);

    const x = new SignalExchange(opts, decode, filter, stats, book.aborters);
    const onPcState = () => {
      if (pc.connectionState === "failed") x.fail(new ConnectFailedError("ICE/DTLS failed while connecting"));
    };
    pc.addEventListener("connectionstatechange", onPcState);
    // ICE gave up: no path with the servers given (and whether a TURN server would be the answer).
    const onIceState = () => {
      if (pc.iceConnectionState === "failed") x.fail(new NoPathError(turnConfigured));
    };
    pc.addEventListener("iceconnectionstatechange", onIceState);
    const gathered = () =>
      x.step(
        new Promise<void>((resolve) => {
          if (pc.iceGatheringState === "complete") return resolve();
          const timer = clock.setTimeout(finish, gatherTimeoutMs);
          function finish() {
            clock.clearTimeout(timer);
            pc.removeEventListener("icegatheringstatechange", onChange);
            resolve();
          }
          function onChange() {
            if (pc.iceGatheringState === "complete") finish();
          }
          pc.addEventListener("icegatheringstatechange", onChange);
        }),
      );
    const opened = (dc: RTCDataChannel) =>
      new Promise<RTCDataChannel>((resolve, reject) => {
        if (dc.readyState === "open") return resolve(dc);
        dc.addEventListener("open", () => resolve(dc), { once: true });
        dc.addEventListener("close", () => reject(new ConnectFailedError("data channel closed while opening")), { once: true });
      });

    try {
      const dc = await x.negotiate(opts.role, {
        stack: "the browser",
        createChannel: () => {
          const created = pc.createDataChannel(SYNC_CHANNEL_LABEL, { ordered: true });
          created.binaryType = "arraybuffer";
          return created;
        },
        incoming: () =>
          new Promise<RTCDataChannel>((resolve) =>
            pc.addEventListener(
              "datachannel",
              (e) => {
                e.channel.binaryType = "arraybuffer";
                resolve(e.channel);
              },
              { once: true },
            ),
          ),
        gather: async () => {
          const description = await x.step(opts.role === "offerer" ? pc.createOffer() : pc.createAnswer());
          await x.step(pc.setLocalDescription(description));
          await gathered();
          const local = pc.localDescription?.sdp;
          if (local === undefined) throw new ConnectFailedError("the browser produced no local description");
          return filter(local);
        },
        setRemoteDescription: (description) => pc.setRemoteDescription(description),
        opened,
      });
      // The connection may have negotiated less than we would accept (a=max-message-size).
      const negotiated = pc.sctp?.maxMessageSize;
      const limit = negotiated !== undefined && negotiated > 0 ? Math.min(maxMessageSize, negotiated) : maxMessageSize;
      const channel = new BrowserChannel(id, pc, dc, {
        highWaterMark,
        lowWaterMark,
        maxMessageSize: limit,
        maxPendingBytes: MAX_PENDING_BYTES,
      }, graceClock);
      // The channel listens already (a message arriving meanwhile is kept); hand it out with its path known.
      await channel.refreshPath();
      return book.adopt(channel, pc, stats);
    } catch (e) {
      // Stopped (the engine's connect timeout) while ICE was still checking: there is no path.
      const checking = pc.remoteDescription !== null && !["connected", "completed"].includes(pc.iceConnectionState);
      book.connecting.delete(pc);
      pc.close();
      if (e instanceof ConnectAbortedError && checking) throw new NoPathError(turnConfigured);
      throw e instanceof TransportError ? e : new ConnectFailedError("browser connect failed", { cause: e });
    } finally {
      x.dispose();
      pc.removeEventListener("connectionstatechange", onPcState);
      pc.removeEventListener("iceconnectionstatechange", onIceState);
    }
  }

  // Connections still being set up are closed by their own connect(), which the abort ends.
  const close = () => book.close();

  return { kind: "browser", connect, close, stats };
}
