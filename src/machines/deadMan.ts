/**
 * The dead-man's switch: armed from the moment the actor starts (the session starts it at
 * pairing). When its delay fires it asks "idle for the full period?" (`idleForFullPeriod`): if so
 * it trips (final), else it re-arms for the remainder (`inactivityRemaining`). No event per edit:
 * the runtime stamps the time of the last activity and passes its `liveness` in the input; without
 * one the actor counts from its start, so a bare actor trips after `inactivityMs`.
 */
import { setup } from "xstate";
import { resolveTimings, type TimingsInput } from "./timings.js";
import type { LivenessInput, SessionLiveness, Timings } from "./protocol.js";

export interface DeadManContext {
  readonly timings: Timings;
  readonly liveness: SessionLiveness | undefined;
}

export interface DeadManOutput {
  readonly reason: "inactivity";
}

/** The timer's question and its re-arm delay, answered by whatever liveness `of` finds (none: count from the start). */
export function deadManLiveness(of: (context: DeadManContext) => SessionLiveness | undefined) {
  return {
    guards: { idleForFullPeriod: ({ context }: { context: DeadManContext }) => (of(context)?.idleMs() ?? Infinity) >= context.timings.inactivityMs },
    delays: { inactivityRemaining: ({ context }: { context: DeadManContext }) => Math.max(0, context.timings.inactivityMs - (of(context)?.idleMs() ?? 0)) },
  };
}

const fromContext = deadManLiveness((context) => context.liveness);

export const deadManMachine = setup({
  types: {
    context: {} as DeadManContext,
    input: {} as (TimingsInput & LivenessInput) | undefined,
    output: {} as DeadManOutput,
  },
  guards: fromContext.guards,
  delays: fromContext.delays,
}).createMachine({
  id: "deadMan",
  context: ({ input }) => ({ timings: resolveTimings(input?.timings), liveness: input?.liveness }),
  initial: "armed",
  states: {
    armed: {
      description: "Counting down to inactivityMs after the last activity; re-arms for the remainder if there was one since.",
      after: {
        inactivityRemaining: [{ guard: "idleForFullPeriod", target: "tripped" }, { target: "armed", reenter: true }],
      },
    },
    tripped: { type: "final", description: "No activity for inactivityMs." },
  },
  output: () => ({ reason: "inactivity" as const }),
});
