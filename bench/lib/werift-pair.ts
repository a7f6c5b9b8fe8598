/**
 * A bare werift peer-connection pair on loopback: the transport floor every engine workload over
 * werift is compared with. No engine code is used here, on purpose.
 *
 * Configuration (perf-baselines.md §Network): `iceServers: []`, interface enumeration off,
 * 127.0.0.1 as the one host candidate, candidate pairs filtered to 127.0.0.1 ↔ 127.0.0.1, and
 * werift's hidden fallback to stun.l.google.com pinned off per connection (the same per-instance
 * override the adapter uses; the process-wide net guard would refuse the lookup anyway).
 */
import { RTCPeerConnection, type RTCDataChannel, type RTCPeerConnectionConfig } from "werift";
import { nowMs } from "./stats.js";

export const LOOPBACK_CONFIG: RTCPeerConnectionConfig = {
  iceServers: [],
  iceUseIpv4: false,
  iceUseIpv6: false,
  iceUseTcp: false,
  iceAdditionalHostAddresses: ["127.0.0.1"],
  iceInterfaceAddresses: { udp4: "127.0.0.1" },
  iceFilterCandidatePair: (pair) => pair.localCandidate.host === "127.0.0.1" && pair.remoteCandidate.host === "127.0.0.1",
};

interface StunHolder {
  stunServer?: unknown;
  options: { stunServer?: unknown };
  applyStunTurnServersFromOptions(): void;
}

/** Keep werift from adopting its default STUN server on this connection's ICE agents. */
export function disableDefaultStun(pc: RTCPeerConnection): void {
  for (const t of pc.iceTransports) {
    const conn = t.connection as unknown as StunHolder;
    const original = Object.getPrototypeOf(conn).applyStunTurnServersFromOptions as (this: StunHolder) => void;
    conn.applyStunTurnServersFromOptions = function (this: StunHolder) {
      original.call(this);
      this.stunServer = undefined;
    };
    conn.applyStunTurnServersFromOptions();
    if (conn.stunServer !== undefined) throw new Error("werift kept a STUN server");
  }
}

export interface WeriftPair {
  readonly a: RTCDataChannel;
  readonly b: RTCDataChannel;
  /** createOffer() until the channel is open on both sides. */
  readonly setupMs: number;
  close(): Promise<void>;
}

const opened = (dc: RTCDataChannel): Promise<void> =>
  new Promise((resolve, reject) => {
    if (dc.readyState === "open") return resolve();
    dc.stateChanged.subscribe((s) => {
      if (s === "open") resolve();
      else if (s === "closed") reject(new Error("data channel closed while opening"));
    });
  });

/** A fresh pair with one reliable, ordered channel. */
export async function createWeriftPair(): Promise<WeriftPair> {
  const pa = new RTCPeerConnection(LOOPBACK_CONFIG);
  const pb = new RTCPeerConnection(LOOPBACK_CONFIG);
  const t0 = nowMs();
  const a = pa.createDataChannel("bench", { ordered: true });
  const incoming = new Promise<RTCDataChannel>((resolve) => pb.onDataChannel.subscribe(resolve));
  const offer = await pa.createOffer();
  disableDefaultStun(pa);
  await pa.setLocalDescription(offer);
  await pb.setRemoteDescription(pa.localDescription!);
  const answer = await pb.createAnswer();
  disableDefaultStun(pb);
  await pb.setLocalDescription(answer);
  await pa.setRemoteDescription(pb.localDescription!);
  const b = await incoming;
  await Promise.all([opened(a), opened(b)]);
  const setupMs = nowMs() - t0;
  return {
    a,
    b,
    setupMs,
    async close() {
      await Promise.all([pa.close(), pb.close()]);
    },
  };
}

/** Sequential ping-pong of `size`-byte messages; returns one-way times (RTT/2) in ms. */
export async function pingPong(pair: WeriftPair, size: number, count: number, warmup = 50): Promise<number[]> {
  const msg = Buffer.alloc(size, 7);
  const oneWay: number[] = [];
  let resolveEcho: (() => void) | undefined;
  const echo = pair.b.onMessage.subscribe((d) => pair.b.send(d as Buffer));
  const back = pair.a.onMessage.subscribe(() => resolveEcho?.());
  try {
    for (let i = 0; i < warmup + count; i++) {
      const t = nowMs();
      await new Promise<void>((r) => {
        resolveEcho = r;
        pair.a.send(msg);
      });
      if (i >= warmup) oneWay.push((nowMs() - t) / 2);
    }
  } finally {
    echo.unSubscribe();
    back.unSubscribe();
  }
  return oneWay;
}

/**
 * Send `count` messages of `size` bytes A→B as fast as `bufferedAmount` allows (pause above
 * `hwm`, resume on bufferedamountlow at hwm/4); resolves with elapsed ms once B has them all.
 */
export async function blast(pair: WeriftPair, size: number, count: number, hwm: number): Promise<number> {
  const msg = Buffer.alloc(size, 9);
  const { a, b } = pair;
  a.bufferedAmountLowThreshold = Math.floor(hwm / 4);
  let got = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const sub = b.onMessage.subscribe(() => {
    if (++got === count) done();
  });
  const t0 = nowMs();
  let sent = 0;
  const pump = () => {
    while (sent < count && a.bufferedAmount <= hwm) {
      a.send(msg);
      sent++;
    }
  };
  const low = a.bufferedAmountLow.subscribe(pump);
  pump();
  await all;
  const ms = nowMs() - t0;
  sub.unSubscribe();
  low.unSubscribe();
  return ms;
}
