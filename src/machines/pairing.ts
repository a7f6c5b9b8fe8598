/**
 * Pairing: awaitingPeer -> exchanging (SPAKE2) -> confirming (key confirmation) -> paired | failed.
 *
 * While working it invokes two actors the runtime provides: `pairingExchange` (the SPAKE2 and
 * key-confirmation exchange over the nameplate mailbox; it reports PEER_JOINED, PAKE_EXCHANGED,
 * PAKE_OK, PAKE_FAILED) and `advertise` (the host's nameplate on the LAN, if any). Reaching a
 * final state stops both, which releases the nameplate and withdraws the advertisement. Crypto
 * is the authority: PAKE_OK is accepted from any stage (stages may be skipped forward, never gone
 * back to) and PAKE_FAILED ends it from any stage; the whole pairing must finish within
 * `pairingTimeoutMs`. One failed attempt burns the code (the exchange never retries).
 */
import { assign, fromCallback, setup, type EventObject } from "xstate";
import { resolveTimings, type TimingsInput } from "./timings.js";
import type { PairingExchangeEvent, PakeFailure, Role, Timings } from "./protocol.js";

export type PairingFailure = "wrongCode" | "pairingTimeout" | "peerGone";

export interface PairingInput extends TimingsInput {
  readonly role?: Role;
  /** The public nameplate (never the code's secret words). */
  readonly nameplate?: string;
}

export interface PairingContext {
  readonly timings: Timings;
  readonly role: Role | null;
  readonly nameplate: string | null;
  readonly failure: PairingFailure | null;
}

export type PairingOutput =
  | { readonly result: "paired" }
  | { readonly result: "failed"; readonly reason: PairingFailure };

/** A malformed SPAKE2 message burns the code like a wrong one: to the person it is "wrong code". */
export function pairingFailureOf(reason: PakeFailure): PairingFailure {
  return reason === "peerGone" ? "peerGone" : "wrongCode";
}

/** Input of the pairing exchange and advertise actors: public data only. */
export interface PairingActorInput {
  readonly role: Role | null;
  readonly nameplate: string | null;
}

export const pairingMachine = setup({
  types: {
    context: {} as PairingContext,
    events: {} as PairingExchangeEvent,
    input: {} as PairingInput | undefined,
    output: {} as PairingOutput,
  },
  actors: {
    /** Provided by the runtime (runtime/actors/pairing-exchange.ts). */
    pairingExchange: fromCallback<EventObject, PairingActorInput>(() => undefined),
    /** Provided by the runtime (runtime/actors/advertise.ts); nothing to do without discovery. */
    advertise: fromCallback<EventObject, PairingActorInput>(() => undefined),
  },
  actions: {
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
    nameplate: input?.nameplate ?? null,
    failure: null,
  }),
  initial: "working",
  states: {
    working: {
      description: "Pairing in progress; the whole of it must finish within pairingTimeoutMs.",
      invoke: [
        { id: "pairingExchange", src: "pairingExchange", input: ({ context }) => ({ role: context.role, nameplate: context.nameplate }) },
        { id: "advertise", src: "advertise", input: ({ context }) => ({ role: context.role, nameplate: context.nameplate }) },
      ],
      initial: "awaitingPeer",
      after: { pairingTimeout: { target: "failed", actions: "failTimeout" } },
      on: {
        PAKE_OK: { target: "paired" },
        PAKE_FAILED: { target: "failed", actions: "failFromEvent" },
      },
      states: {
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
