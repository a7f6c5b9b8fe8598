/**
 * The six machines by name, with the actors each invokes and the effects (runtime-provided
 * actions) it asks for. Used by the docs generator (`npm run docs:machines`) and checked by the
 * model-based suite against what the real actors did, so docs/machines.md cannot drift.
 */
import type { AnyStateMachine } from "xstate";
import { connectionMachine } from "./connection.js";
import { deadManMachine } from "./deadMan.js";
import { expiryMachine } from "./expiry.js";
import type { SessionEffects } from "./implementations.js";
import { keyRotationMachine } from "./keyRotation.js";
import { pairingMachine } from "./pairing.js";
import { sessionMachine } from "./session.js";

export type EffectName = keyof SessionEffects;

export interface MachineEntry {
  readonly name: string;
  readonly machine: AnyStateMachine;
  /** Actors it invokes: child machines and the runtime's I/O actors. */
  readonly invokes: readonly string[];
  /** Effects it asks the runtime for (named actions provided by the runtime). */
  readonly effects: readonly EffectName[];
  readonly summary: string;
}

export const MACHINES: readonly MachineEntry[] = [
  {
    name: "session",
    machine: sessionMachine,
    invokes: ["pairing", "deadMan", "expiry", "connection", "keyRotation", "signalMailbox"],
    effects: ["wipe", "close", "startSync", "announceVerified"],
    summary:
      "The root actor. Invokes pairing while pairing; deadMan, expiry, connection, keyRotation and the sealed signalMailbox while active; holds sync in `verifying` under strict verification. Every ending goes through `ending` (wipe, then close) to the final `ended`.",
  },
  {
    name: "pairing",
    machine: pairingMachine,
    invokes: ["pairingExchange", "advertise"],
    effects: [],
    summary: "Pairing stages driven by the pairing exchange; stages may be skipped forward; PAKE_OK / PAKE_FAILED from any stage; one timeout for the whole pairing.",
  },
  {
    name: "connection",
    machine: connectionMachine,
    invokes: ["connect", "peerLink"],
    effects: ["sendPing"],
    summary: "Link (connect with a timeout, the peer link while open with pings, reconnect with backoff) and peer liveness (checked when its timer fires) in parallel regions.",
  },
  {
    name: "keyRotation",
    machine: keyRotationMachine,
    invokes: [],
    effects: ["sendRotate", "expireEpoch"],
    summary: "Epoch rotation (timer, on demand, peer-initiated, collisions) and the previous epoch's grace window in parallel regions.",
  },
  {
    name: "deadMan",
    machine: deadManMachine,
    invokes: [],
    effects: [],
    summary: "Armed from start; when its timer fires it trips if idle for the full period, else re-arms for the remainder.",
  },
  {
    name: "expiry",
    machine: expiryMachine,
    invokes: [],
    effects: [],
    summary: "Absolute lifetime from start; nothing extends it.",
  },
];
