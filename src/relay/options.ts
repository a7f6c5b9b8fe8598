/**
 * Relay limits and timings with their safe defaults (docs/relay.md "Limits"). Every limit is
 * configurable; each one, when hit, answers with its own error code and is counted in /metrics.
 * Per-connection limits bound one socket; per-address budgets (budgets.ts) are shared by every
 * connection from one address (IPv6: one /64); relay-wide caps bound the instance.
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
  /** Per address: sustained nameplate claims (host + join) per second, and the burst. */
  readonly claimsPerSecond: number;
  readonly claimsBurst: number;
  /** Per address: joins that found no nameplate (a sweep), per minute, and the burst. */
  readonly failedJoinsPerMinute: number;
  readonly failedJoinsBurst: number;
  /** Per address: mailbox sides opened (host, join, open) per second, and the burst. */
  readonly mailboxesPerSecond: number;
  readonly mailboxesBurst: number;
  /** Per address: bytes waiting for absent recipients (each blob + 256 B; given back when read here, else at its TTL). */
  readonly maxHeldBytesPerAddress: number;
  /** Per address: concurrent connections. */
  readonly maxConnectionsPerAddress: number;
  /** Relay-wide: concurrent connections on this instance. */
  readonly maxConnections: number;
  /** Relay-wide: bytes waiting for absent recipients on this instance (counted as per address). */
  readonly maxHeldBytes: number;
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
  /** A nameplate a joiner took is not handed out again for at least this long. */
  readonly nameplateCooldownSeconds: number;
  /** A nameplate released without a join (its host gave up) cools down at least this long. */
  readonly releasedNameplateCooldownSeconds: number;
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
  claimsPerSecond: 16,
  claimsBurst: 512,
  failedJoinsPerMinute: 20,
  failedJoinsBurst: 8,
  mailboxesPerSecond: 16,
  mailboxesBurst: 512,
  maxHeldBytesPerAddress: 4 * 1024 * 1024,
  maxConnectionsPerAddress: 1024,
  maxConnections: 10_000,
  maxHeldBytes: 256 * 1024 * 1024,
  idleTimeoutMs: 90_000,
  errorBudget: 16,
};

export const defaultTimings: RelayTimings = {
  ttlSeconds: 60,
  nameplateLifetimeMs: 10 * 60_000,
  nameplateCooldownSeconds: 15,
  releasedNameplateCooldownSeconds: 60,
  tickMs: 5_000,
};

/**
 * Connections the kernel queues for `accept` while the event loop is busy (the listen backlog;
 * Linux caps it at net.core.somaxconn). Node's own default, 511, overflowed hundreds of times a
 * run at 500 pairings in flight (1,000 connections arriving together): each dropped SYN costs its
 * client a one-second retransmit. A rendezvous server's connections come in bursts.
 */
export const DEFAULT_LISTEN_BACKLOG = 4096;

/** Largest WebSocket message the relay reads: a max blob in base64url plus the JSON around it. */
export function maxFrameBytes(limits: RelayLimits): number {
  return Math.ceil((limits.maxBlobBytes * 4) / 3) + 1024;
}
