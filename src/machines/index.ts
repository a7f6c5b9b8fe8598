/**
 * `lethe-sync/machines`: the lifecycle as XState v5 statecharts. Machines do no I/O and hold no
 * secrets: they invoke the I/O as actors and ask for effects through named actions, both
 * provided by the runtime (`provideSession`), and answer liveness questions when timers fire.
 */
export { sessionMachine, shouldNotifyPeer, type SessionContext, type SessionInput, type SessionOutput } from "./session.js";
export { pairingMachine, pairingFailureOf } from "./pairing.js";
export type { PairingActorInput, PairingFailure, PairingInput, PairingContext, PairingOutput } from "./pairing.js";
export { connectionMachine, reconnectDelay } from "./connection.js";
export type { ConnectionContext, ConnectionOutput } from "./connection.js";
export { keyRotationMachine } from "./keyRotation.js";
export type { KeyRotationEvent, KeyRotationInput, KeyRotationContext } from "./keyRotation.js";
export { deadManMachine } from "./deadMan.js";
export type { DeadManContext, DeadManOutput } from "./deadMan.js";
export { expiryMachine } from "./expiry.js";
export type { ExpiryContext, ExpiryOutput } from "./expiry.js";
export { provideSession } from "./implementations.js";
export type { ProvidedSessionMachine, SessionActors, SessionEffects, SessionImplementations, SessionLiveness } from "./implementations.js";
export { resolveTimings, type TimingsInput } from "./timings.js";
export { DEFAULT_TIMINGS } from "./protocol.js";
export type {
  ChannelCloseReason, ConnectOutput, EndReason, PairingExchangeEvent, PakeFailure, PeerLinkEvent, Role, SessionEvent, Timings,
} from "./protocol.js";
export { MACHINES, type EffectName, type MachineEntry } from "./catalog.js";
