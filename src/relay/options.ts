/**
 * Relay limits and timings with their safe defaults (docs/relay.md "Limits"). Every limit is
 * configurable; each one, when hit, answers with its own error code and is counted in /metrics.
 */
export interface RelayLimits {
  /** Largest blob accepted in a `post`, in bytes (before base64url). */
  readonly maxBlobBytes: number;
  /** Blobs held for an absent recipient, per mailbox side. */
  readonly maxHeldPerMailbox: number;
  /** Nameplates one connection may hold at once. */
  readonly maxNameplatesPerConnection: number;
  /** Mailbox sides one connection may have open at once (hosted/joined nameplates included). */
  readonly maxMailboxesPerConnection: number;
  /** Sustained frames per second per connection (token bucket); `burst` tokens at most. */
  readonly messagesPerSecond: number;
  readonly messagesBurst: number;
  /** Sustained nameplate claims (host + join) per second per connection. */
  readonly claimsPerSecond: number;
  readonly claimsBurst: number;
  /** Concurrent connections from one remote address. */
  readonly maxConnectionsPerIp: number;
  /** Concurrent connections in total on this instance. */
  readonly maxConnections: number;
  /** A connection that sends nothing for this long is closed. */
  readonly idleTimeoutMs: number;
  /** Bad or refused frames a connection may send before it is closed. */
  readonly errorBudget: number;
}

export interface RelayTimings {
  /** How long a blob (and every other key) lives in the store, in seconds. */
  readonly ttlSeconds: number;
  /** A claimed nameplate is released after this long even if nobody joined. */
  readonly nameplateLifetimeMs: number;
  /** A released nameplate is not handed out again for this long. */
  readonly nameplateCooldownSeconds: number;
  /** Housekeeping period: idle checks, presence/nameplate refresh, nameplate lifetime. */
  readonly tickMs: number;
}

export const defaultLimits: RelayLimits = {
  maxBlobBytes: 64 * 1024,
  maxHeldPerMailbox: 32,
  maxNameplatesPerConnection: 2,
  maxMailboxesPerConnection: 16,
  messagesPerSecond: 50,
  messagesBurst: 100,
  claimsPerSecond: 1,
  claimsBurst: 3,
  maxConnectionsPerIp: 32,
  maxConnections: 10_000,
  idleTimeoutMs: 90_000,
  errorBudget: 16,
};

export const defaultTimings: RelayTimings = {
  ttlSeconds: 60,
  nameplateLifetimeMs: 10 * 60_000,
  nameplateCooldownSeconds: 60,
  tickMs: 5_000,
};

/** Largest WebSocket message the relay reads: a max blob in base64url plus the JSON around it. */
export function maxFrameBytes(limits: RelayLimits): number {
  return Math.ceil((limits.maxBlobBytes * 4) / 3) + 1024;
}
