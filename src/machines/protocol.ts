/**
 * The vocabulary between the runtime and the machines: the events the runtime sends in, and the
 * commands the machines emit for the runtime to carry out. Machines do no I/O and hold no
 * secrets; every field here is public data (counters, ids, reasons).
 *
 * The runtime sends every event to the session actor; the session forwards what its children
 * need. Commands from children are re-emitted by the session (`actor.on("*", …)` sees them all),
 * so the runtime listens in one place.
 */

/** Every duration the lifecycle uses, in milliseconds. */
export interface Timings {
  /** Dead-man's switch: no ACTIVITY for this long ends the session. */
  readonly inactivityMs: number;
  /** Absolute lifetime, counted from `paired`. Never extended. */
  readonly maxSessionMs: number;
  /** Key rotation interval. */
  readonly rotationMs: number;
  /** How long the previous epoch's receive key is kept after a rotation. */
  readonly rotationGraceMs: number;
  /** How long a rotation may wait for ROTATE_ACK before it is retried. */
  readonly rotationAckTimeoutMs: number;
  /** Pairing must complete within this long. */
  readonly pairingTimeoutMs: number;
  /** Reconnect backoff: first delay, doubling up to the max. */
  readonly reconnectBaseMs: number;
  readonly reconnectMaxMs: number;
  /** The peer counts as gone after this long without any authenticated frame. */
  readonly peerGoneMs: number;
  /** Liveness ping interval while connected (PING/PONG are liveness only, never ACTIVITY). */
  readonly pingIntervalMs: number;
}

export const DEFAULT_TIMINGS: Timings = Object.freeze({
  inactivityMs: 2 * 60_000,
  maxSessionMs: 4 * 60 * 60_000,
  rotationMs: 30 * 60_000,
  rotationGraceMs: 10_000,
  rotationAckTimeoutMs: 15_000,
  pairingTimeoutMs: 5 * 60_000,
  reconnectBaseMs: 500,
  reconnectMaxMs: 30_000,
  peerGoneMs: 45_000,
  pingIntervalMs: 15_000,
});

export type EndReason =
  | "user"
  | "inactivity"
  | "expired"
  | "wrongCode"
  | "pairingTimeout"
  | "peerGone"
  | "peerEnded"
  | "error";

export type Role = "host" | "join";

/** Events the runtime sends to the session actor. */
export type SessionEvent =
  /** Begin pairing in the given role (idle -> pairing). */
  | { type: "START"; role: Role }
  /** Host: a nameplate was claimed and the code can be shown. Join: the nameplate was found. */
  | { type: "CODE_READY"; nameplate: string }
  /** The other device reached the mailbox. */
  | { type: "PEER_JOINED" }
  /** SPAKE2 messages exchanged (both sides' messages seen). */
  | { type: "PAKE_EXCHANGED" }
  /** Key confirmation verified: keys for epoch 0 are installed in the key store. */
  | { type: "PAKE_OK" }
  /** Pairing failed. `wrongCode`: confirmation mismatch; `malformed`: bad SPAKE2 message. */
  | { type: "PAKE_FAILED"; reason: "wrongCode" | "malformed" | "peerGone" }
  /** A transport channel opened (after CONNECT). */
  | { type: "CHANNEL_OPEN"; channelId: string }
  /** The channel closed or failed. */
  | { type: "CHANNEL_CLOSED"; reason: "local" | "remote" | "failed" }
  /** A CONNECT attempt failed before a channel opened. */
  | { type: "CONNECT_FAILED"; error: string }
  /** A local or remote change to the doc or awareness. Not keepalives. */
  | { type: "ACTIVITY" }
  /** An authenticated frame arrived (any type, PING/PONG included): liveness. */
  | { type: "PEER_MESSAGE_OK" }
  /** Host app asked for a rotation now. */
  | { type: "ROTATE_NOW" }
  /** The peer started a rotation to `epoch` (the runtime already answered with crypto). */
  | { type: "PEER_ROTATE"; epoch: number }
  /** Our rotation to `epoch` was acknowledged; sending now uses `epoch`. */
  | { type: "ROTATE_ACKED"; epoch: number }
  /** The peer said goodbye. */
  | { type: "PEER_BYE"; reason: EndReason }
  /** End now (host app, host shutdown). Default reason `user`. */
  | { type: "END"; reason?: "user" | "error" }
  /** An unrecoverable error (public description only) -> ended{error}. */
  | { type: "FATAL"; error: string };

/**
 * Commands the machines emit and the runtime carries out. Emitted by the session actor
 * (`actor.on(type, handler)` or `actor.on("*", handler)`).
 */
export type SessionCommand =
  /** Open (or re-open) the transport channel. `attempt` counts from 1 per session. */
  | { type: "CONNECT"; attempt: number }
  /** Start a key rotation to `epoch` (send ROTATE with a fresh ephemeral key). */
  | { type: "SEND_ROTATE"; epoch: number }
  /** Wipe the receive key of `epoch` (its grace window is over). */
  | { type: "EXPIRE_EPOCH"; epoch: number }
  /** Send a liveness PING. */
  | { type: "SEND_PING" }
  /**
   * Zero every key, destroy the doc and awareness. Emitted exactly once per session, first.
   * `notifyPeer`: when true and the channel is up, the runtime first sends a sealed BYE carrying
   * `reason`, then zeroes (there is no separate SEND_BYE command, so WIPE stays first). False
   * when the peer already knows (peerEnded), cannot be reached (peerGone) or no keys exist yet
   * (ended before pairing completed).
   */
  | { type: "WIPE"; reason: EndReason; notifyPeer: boolean }
  /** Close channels, signaling and discovery. */
  | { type: "CLOSE" }
  /** The session is over (after WIPE and CLOSE). */
  | { type: "ENDED"; reason: EndReason };

export type SessionCommandType = SessionCommand["type"];
