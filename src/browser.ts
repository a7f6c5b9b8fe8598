/**
 * The browser entry (bundled by scripts/build-browser.ts into dist-browser/lethe.js): the
 * engine, the platform WebRTC transport, the relay signaling adapter and the noble AEAD.
 * Nothing here may import `node:*`, werift, bonjour-service, ws server code or ioredis;
 * test/adapters/transport/browser/bundle.test.ts checks the built bundle's inputs.
 */
export { createSyncEngine, DEFAULT_ENGINE_TIMINGS, WrongCodeError, SessionEndedError, LetheError, DEFAULT_TIMINGS, NoPathError, pathRoute } from "./runtime/index.js";
export type { EngineEvent, EngineState, SyncEngine, SyncEngineOptions, EndReason } from "./runtime/index.js";
export { browserTransport, NoWebRtcError } from "./adapters/transport/browser/index.js";
export type { BrowserTransport, BrowserTransportOptions } from "./adapters/transport/browser/index.js";
export { relaySignaling } from "./adapters/signaling/relay/index.js";
export type { RelaySignaling, RelaySignalingOptions } from "./adapters/signaling/relay/index.js";
export { nobleAead } from "./adapters/crypto/index.js";
