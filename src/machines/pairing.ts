/**
 * Pairing progress: waitingForCode -> awaitingPeer -> exchanging (SPAKE2) -> confirming (key
 * confirmation) -> paired | failed. The runtime's crypto is the authority: PAKE_OK is accepted
 * from any stage (stages may be skipped forward, never gone back to), PAKE_FAILED ends it from any
 * stage, and the whole pairing must finish within `pairingTimeoutMs`. One failed attempt burns the
 * code (the runtime's job); this machine only reports why.
 */
import { assign, setup } from "xstate";
import { resolveTimings, type TimingsInput } from "./timings.js";
import type { Role, SessionEvent, Timings } from "./protocol.js";

export type PairingEvent = Extract<
  SessionEvent,
  { type: "CODE_READY" | "PEER_JOINED" | "PAKE_EXCHANGED" | "PAKE_OK" | "PAKE_FAILED" }
>;

export type PairingFailure = "wrongCode" | "pairingTimeout" | "peerGone";

export interface PairingInput extends TimingsInput {
  readonly role?: Role;
}

export interface PairingContext {
  readonly timings: Timings;
  readonly role: Role | null;
  /** The public nameplate (never the code's secret words). */
  readonly nameplate: string | null;
  readonly failure: PairingFailure | null;
}

export type PairingOutput =
  | { readonly result: "paired" }
  | { readonly result: "failed"; readonly reason: PairingFailure };

/** A malformed SPAKE2 message burns the code like a wrong one: to the person it is "wrong code". */
export function pairingFailureOf(reason: "wrongCode" | "malformed" | "peerGone"): PairingFailure {
  return reason === "peerGone" ? "peerGone" : "wrongCode";
}

export const pairingMachine = setup({
  types: {
    context: {} as PairingContext,
    events: {} as PairingEvent,
    input: {} as PairingInput | undefined,
    output: {} as PairingOutput,
  },
  actions: {
    keepNameplate: assign({
      nameplate: ({ event }) => (event.type === "CODE_READY" ? event.nameplate : null),
    }),
    failFromEvent: assign({
      failure: ({ event }) => (event.type === "PAKE_FAILED" ? pairingFailureOf(event.reason) : null),
    }),
    failTimeout: assign({ failure: () => "pairingTimeout" as const }),
  },
  delays: {
    pairingTimeout: ({ context }) => context.timings.pairingTimeoutMs,
  },
}).createMachine({
  id: "pairing",
  context: ({ input }) => ({
    timings: resolveTimings(input?.timings),
    role: input?.role ?? null,
    nameplate: null,
    failure: null,
  }),
  initial: "working",
  states: {
    working: {
      description: "Pairing in progress; the whole of it must finish within pairingTimeoutMs.",
      initial: "waitingForCode",
      after: { pairingTimeout: { target: "failed", actions: "failTimeout" } },
      on: {
        PAKE_OK: { target: "paired" },
        PAKE_FAILED: { target: "failed", actions: "failFromEvent" },
      },
      states: {
        waitingForCode: {
          on: {
            CODE_READY: { target: "awaitingPeer", actions: "keepNameplate" },
            PEER_JOINED: { target: "exchanging" },
            PAKE_EXCHANGED: { target: "confirming" },
          },
        },
        awaitingPeer: {
          on: { PEER_JOINED: { target: "exchanging" }, PAKE_EXCHANGED: { target: "confirming" } },
        },
        exchanging: { on: { PAKE_EXCHANGED: { target: "confirming" } } },
        confirming: { description: "Waiting for key confirmation (PAKE_OK / PAKE_FAILED)." },
      },
    },
    paired: { type: "final" },
    failed: { type: "final" },
  },
  output: ({ context }) =>
    context.failure === null
      ? { result: "paired" as const }
      : { result: "failed" as const, reason: context.failure },
});
