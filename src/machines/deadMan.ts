/**
 * The dead-man's switch: armed from the moment the actor starts (the session starts it at
 * pairing). When its delay fires it asks "idle for the full period?" (`idleForFullPeriod`): if so
 * it trips (final), else it re-arms for the remainder (`inactivityRemaining`). No event per edit:
 * the runtime stamps the time of the last activity and provides the guard and the delay; the
 * defaults (no runtime) count from the start, so a bare actor trips after `inactivityMs`.
 */
import { setup } from "xstate";
import { resolveTimings, type TimingsInput } from "./timings.js";
import type { Timings } from "./protocol.js";

export interface DeadManContext {
  readonly timings: Timings;
}

export interface DeadManOutput {
  readonly reason: "inactivity";
}

export const deadManMachine = setup({
  types: {
    context: {} as DeadManContext,
    input: {} as TimingsInput | undefined,
    output: {} as DeadManOutput,
  },
  guards: {
    idleForFullPeriod: () => true,
  },
  delays: {
    inactivityRemaining: ({ context }) => context.timings.inactivityMs,
  },
}).createMachine({
  id: "deadMan",
  context: ({ input }) => ({ timings: resolveTimings(input?.timings) }),
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
