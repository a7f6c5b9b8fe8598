/**
 * The absolute session lifetime: `maxSessionMs` after the actor starts (the session starts it at
 * pairing) it reaches `expired`, which is final. It accepts no events: nothing extends it.
 */
import { setup } from "xstate";
import { resolveTimings, type TimingsInput } from "./timings.js";
import type { Timings } from "./protocol.js";

export interface ExpiryContext {
  readonly timings: Timings;
}

export interface ExpiryOutput {
  readonly reason: "expired";
}

export const expiryMachine = setup({
  types: {
    context: {} as ExpiryContext,
    input: {} as TimingsInput | undefined,
    output: {} as ExpiryOutput,
  },
  delays: {
    maxSession: ({ context }) => context.timings.maxSessionMs,
  },
}).createMachine({
  id: "expiry",
  context: ({ input }) => ({ timings: resolveTimings(input?.timings) }),
  initial: "running",
  states: {
    running: {
      description: "Counting from the start; no event extends it.",
      after: { maxSession: { target: "expired" } },
    },
    expired: { type: "final", description: "maxSessionMs since the pair was confirmed." },
  },
  output: () => ({ reason: "expired" as const }),
});
