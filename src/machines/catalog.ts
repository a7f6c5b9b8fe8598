/**
 * The six machines by name, with the commands each one emits. Used by the docs generator
 * (`npm run docs:machines`) and checked by the model-based suite against what the real actors
 * emitted, so the table in docs/machines.md cannot drift from the code.
 */
import type { AnyStateMachine } from "xstate";
import { connectionMachine } from "./connection.js";
import { deadManMachine } from "./deadMan.js";
import { expiryMachine } from "./expiry.js";
import { keyRotationMachine } from "./keyRotation.js";
import { pairingMachine } from "./pairing.js";
import type { SessionCommandType } from "./protocol.js";
import { sessionMachine } from "./session.js";

export interface MachineEntry {
  readonly name: string;
  readonly machine: AnyStateMachine;
  /** Commands this machine emits itself (the session also re-emits its children's). */
  readonly commands: readonly SessionCommandType[];
  readonly summary: string;
}

export const MACHINES: readonly MachineEntry[] = [
  {
    name: "session",
    machine: sessionMachine,
    commands: ["WIPE", "CLOSE", "ENDED", "CONNECT", "SEND_PING", "SEND_ROTATE", "EXPIRE_EPOCH"],
    summary:
      "The root actor. Invokes pairing while pairing and deadMan, expiry, connection and keyRotation while active; re-emits their commands. Every ending goes through `ending` (WIPE, CLOSE) to the final `ended` (ENDED).",
  },
  {
    name: "pairing",
    machine: pairingMachine,
    commands: [],
    summary: "Pairing stages; stages may be skipped forward; PAKE_OK / PAKE_FAILED from any stage; one timeout for the whole pairing.",
  },
  {
    name: "connection",
    machine: connectionMachine,
    commands: ["CONNECT", "SEND_PING"],
    summary: "Link (connect, ping while open, reconnect with backoff) and peer liveness in parallel regions.",
  },
  {
    name: "keyRotation",
    machine: keyRotationMachine,
    commands: ["SEND_ROTATE", "EXPIRE_EPOCH"],
    summary: "Epoch rotation (timer, on demand, peer-initiated, collisions) and the previous epoch's grace window in parallel regions.",
  },
  {
    name: "deadMan",
    machine: deadManMachine,
    commands: [],
    summary: "Armed from start; ACTIVITY re-arms; inactivity trips it (final).",
  },
  {
    name: "expiry",
    machine: expiryMachine,
    commands: [],
    summary: "Absolute lifetime from start; nothing extends it.",
  },
];
