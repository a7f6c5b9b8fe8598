/**
 * `lethe-sync/relay`: the opaque signaling relay (DESIGN.md §6, docs/relay.md). A WebSocket
 * server that moves sealed blobs between two devices through mailboxes, forgets them within
 * 60 s, and never looks into them. In memory by default; on Redis to scale out.
 */
export { createRelayServer, type RelayAddress, type RelayServer, type RelayServerOptions } from "./server.js";
export { defaultLimits, defaultTimings, type RelayLimits, type RelayTimings } from "./options.js";
export { unrefSystemClock, type Clock } from "../clock.js";
export { memoryStore, type MemoryStoreOptions } from "./store/memory.js";
export { redisStore, type RedisStoreOptions } from "./store/redis.js";
export type { RelayStore, StoreEvent, StoreStats, StoreDelivery, JoinResult, OpenResult, PostResult, Subscriber } from "./store/types.js";
export { turnMinter, DEFAULT_TURN_TTL_SECONDS, type TurnOptions, type TurnCredentials } from "./turn.js";
export type { RelayLogger, RelayLogEvent } from "./log.js";
export { RelayMetrics } from "./metrics.js";
