/**
 * The vocabulary between the runtime and the machines. Machines do no I/O and hold no secrets:
 * they invoke the I/O as actors the runtime provides (implementations.ts) and ask the runtime for
 * effects through named actions. Every field of an event here is public data (ids, counts,
 * reasons, epochs); key bytes and the pairing code never travel in an event.
 */

/** Every duration the lifecycle uses, in milliseconds. */
export interface Timings {
  /** Dead-man's switch: this long after the last activity the session ends. */
  readonly inactivityMs: number;
  /** Absolute lifetime, counted from pairing. Never extended. */
  readonly maxSessionMs: number;
  /** Key rotation interval. */
  readonly rotationMs: number;
  /** How long the previous epoch's receive key is kept after a rotation. */
  readonly rotationGraceMs: number;
  /** How long a rotation may wait for ROTATE_ACK before it is retried. */
  readonly rotationAckTimeoutMs: number;
  /** Pairing must complete within this long. */
  readonly pairingTimeoutMs: number;
  /** One transport connect attempt may take this long before it counts as failed. */
  readonly connectTimeoutMs: number;
  /** Reconnect backoff: first delay, doubling up to the max. */
  readonly reconnectBaseMs: number;
  readonly reconnectMaxMs: number;
  /** The peer counts as gone after this long without any authenticated frame. */
  readonly peerGoneMs: number;
  /** Liveness ping interval while connected (PING/PONG are liveness only, never activity). */
  readonly pingIntervalMs: number;
  /**
   * An open link that has carried no authenticated frame for this long (while the peer pings
   * every pingIntervalMs) is taken as a dead path — the phone left the Wi-Fi — and the connection
   * reconnects at once over the sealed signaling, before peerGoneMs ends the session.
   */
  readonly linkStaleMs: number;
}

export const DEFAULT_TIMINGS: Timings = Object.freeze({
  inactivityMs: 2 * 60_000,
  maxSessionMs: 4 * 60 * 60_000,
  rotationMs: 30 * 60_000,
  rotationGraceMs: 10_000,
  rotationAckTimeoutMs: 15_000,
  pairingTimeoutMs: 5 * 60_000,
  connectTimeoutMs: 15_000,
  reconnectBaseMs: 500,
  reconnectMaxMs: 30_000,
  peerGoneMs: 45_000,
  pingIntervalMs: 5_000,
  linkStaleMs: 12_000,
});

export type EndReason =
  | "user"
  | "inactivity"
  | "expired"
  | "wrongCode"
  | "pairingTimeout"
  | "peerGone"
  | "peerEnded"
  | "verificationRejected"
  | "error";

export type Role = "host" | "join";

/** Why pairing failed, as the pairing exchange reports it. `malformed` burns the code like a wrong one. */
export type PakeFailure = "wrongCode" | "malformed" | "peerGone";

/** Why a channel closed. */
export type ChannelCloseReason = "local" | "remote" | "failed";

/** Events the runtime (host API and I/O actors) sends to the session actor. */
export type SessionEvent =
  /** Begin pairing in the given role on the claimed (public) nameplate. */
  | { type: "START"; role: Role; nameplate: string }
  /** A channel opened / closed (the session forwards both to keyRotation). */
  | { type: "CHANNEL_OPEN"; channelId: string }
  | { type: "CHANNEL_CLOSED"; reason: ChannelCloseReason }
  /** Host app asked for a rotation now. */
  | { type: "ROTATE_NOW" }
  /** The peer started a rotation to `epoch` (the runtime already answered with crypto). */
  | { type: "PEER_ROTATE"; epoch: number }
  /** Our rotation to `epoch` was acknowledged; sending now uses `epoch`. */
  | { type: "ROTATE_ACKED"; epoch: number }
  /** Strict verification: the person confirmed the words here / the peer's device says it did / the person rejected them. */
  | { type: "VERIFY_CONFIRM" }
  | { type: "PEER_VERIFIED" }
  | { type: "VERIFY_REJECT" }
  /** The peer said goodbye. */
  | { type: "PEER_BYE"; reason: EndReason }
  /** End now (host app, host shutdown). Default reason `user`. */
  | { type: "END"; reason?: "user" | "error" }
  /** An unrecoverable error (public name only) -> ended{error}. */
  | { type: "FATAL"; error: string };

/** What the pairing exchange actor reports to the pairing machine. */
export type PairingExchangeEvent =
  /** The other device reached the nameplate mailbox. */
  | { type: "PEER_JOINED" }
  /** Both SPAKE2 messages seen; our confirmation tag is out. */
  | { type: "PAKE_EXCHANGED" }
  /** Key confirmation verified: epoch 0's keys are installed in the key store. */
  | { type: "PAKE_OK" }
  | { type: "PAKE_FAILED"; reason: PakeFailure };

/**
 * What the peer link actor reports to the connection machine: the channel closed, or the
 * transport says its path is gone (ICE disconnected/failed) while the channel still looks open.
 */
export type PeerLinkEvent = { type: "CHANNEL_CLOSED"; reason: ChannelCloseReason } | { type: "LINK_LOST"; reason: string };

/** The connect actor's output: a handle to the channel it opened (the runtime holds the channel). */
export interface ConnectOutput {
  readonly channelId: string;
}

/**
 * Answers the timers' questions from the stamps the pipelines keep (milliseconds on the engine
 * clock). The runtime passes one in the session's input; the session hands it to deadMan and
 * connection, whose guards and delays read it when their timers fire. Without one a timer counts
 * from its start. Not a secret: two timestamps and a clock.
 */
export interface SessionLiveness {
  /** Since the last local or remote change to the doc or awareness (or the host app's touch). */
  idleMs(): number;
  /** Since the last authenticated frame from the peer (pairing counts as one). */
  peerSilentMs(): number;
  /** Since the last authenticated frame on the current link, or since it opened if later. */
  linkSilentMs(): number;
}

/** Input of the machines whose timers ask about liveness. */
export interface LivenessInput {
  readonly liveness?: SessionLiveness | undefined;
}
