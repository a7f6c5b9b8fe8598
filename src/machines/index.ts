/**
 * `lethe-sync/machines`: the lifecycle as XState v5 statecharts. Machines do no I/O and hold no
 * secrets; the runtime sends them SessionEvents and carries out the SessionCommands they emit.
 */
export { sessionMachine, type SessionContext, type SessionOutput } from "./session.js";
export { pairingMachine, pairingFailureOf } from "./pairing.js";
export type { PairingEvent, PairingFailure, PairingInput, PairingContext, PairingOutput } from "./pairing.js";
export { connectionMachine, reconnectDelay } from "./connection.js";
export type { ConnectionEvent, ConnectionCommand, ConnectionContext, ConnectionOutput } from "./connection.js";
export { keyRotationMachine } from "./keyRotation.js";
export type { KeyRotationEvent, KeyRotationCommand, KeyRotationInput, KeyRotationContext } from "./keyRotation.js";
export { deadManMachine } from "./deadMan.js";
export type { DeadManEvent, DeadManContext, DeadManOutput } from "./deadMan.js";
export { expiryMachine } from "./expiry.js";
export type { ExpiryEvent, ExpiryContext, ExpiryOutput } from "./expiry.js";
export { resolveTimings, type TimingsInput } from "./timings.js";
export { CHILD_COMMAND, type ChildCommandEvent } from "./command.js";
export { DEFAULT_TIMINGS } from "./protocol.js";
export type { Timings, EndReason, Role, SessionEvent, SessionCommand, SessionCommandType } from "./protocol.js";
export { MACHINES, type MachineEntry } from "./catalog.js";
