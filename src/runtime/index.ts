/**
 * `lethe-sync`: the engine a host app embeds, the in-memory network to try it, and the public
 * types. See docs/api.md.
 */
export { createSyncEngine, DEFAULT_ENGINE_TIMINGS } from "./engine.js";
export type {
  ActorView, AdapterOption, EngineEvent, EngineState, EngineStatus, EngineTimings, SyncEngine, SyncEngineOptions, Verification,
} from "./types.js";
export {
  BodyDecodeError, ConnectTimeoutError, DocumentEndedError, EngineStateError, FragmentGapError, FrameBodyError, PairingDuplicateError,
  PairingMessageError, PairingOrderError, PairingAbortedError, CommitmentMismatchError, SessionEndedError, SignalDecodeError, VerificationPendingError, WrongCodeError,
} from "./errors.js";
export { createMemoryNetwork } from "../testing/network/index.js";
export type { LinkFaults, MemoryDevice, MemoryNetwork, MemoryNetworkOptions, NetworkStats } from "../testing/network/index.js";
export { createYjsCrdt } from "../adapters/crdt/yjs.js";
export type { Crdt, CrdtChange, CrdtMessage, Presence } from "../adapters/crdt/types.js";
export type {
  Transport, Channel, SignalPipe, ChannelState, ChannelCloseReason, ConnectOptions, CandidateType, PathHealth, SelectedPath,
} from "../adapters/transport/types.js";
export { pathRoute, type PathRoute } from "../adapters/transport/path.js";
export { NoPathError } from "../adapters/transport/types.js";
export type { Signaling, SignalingSession } from "../adapters/signaling/types.js";
export type { Discovery, ServiceRecord, Advertisement } from "../adapters/discovery/types.js";
export type { AdapterFactory, Components } from "../adapters/components.js";
export { MissingDependencyError } from "../optional-dependency.js";
export type { EndReason, Role, Timings } from "../machines/protocol.js";
export { DEFAULT_TIMINGS } from "../machines/protocol.js";
export { systemClock, type Clock } from "../clock.js";
export { LetheError } from "../errors.js";
