/**
 * The dead-man's switch: armed from the moment the actor starts; every ACTIVITY (a local or remote
 * change to the doc or awareness — never a transport keepalive) re-arms it; `inactivityMs` without
 * ACTIVITY trips it, which is final. The session starts it when the pair is confirmed.
 */
import { assign, setup } from "xstate";
import { resolveTimings, type TimingsInput } from "./timings.js";
import type { Timings } from "./protocol.js";

export type DeadManEvent = { type: "ACTIVITY" };

export interface DeadManContext {
  readonly timings: Timings;
  /** How many times ACTIVITY re-armed the switch (public counter, for state$ and tests). */
  readonly rearms: number;
}

export interface DeadManOutput {
  readonly reason: "inactivity";
}

export const deadManMachine = setup({
  types: {
    context: {} as DeadManContext,
    events: {} as DeadManEvent,
    input: {} as TimingsInput | undefined,
    output: {} as DeadManOutput,
  },
  actions: {
    countRearm: assign({ rearms: ({ context }) => context.rearms + 1 }),
  },
  delays: {
    inactivity: ({ context }) => context.timings.inactivityMs,
  },
}).createMachine({
  id: "deadMan",
  context: ({ input }) => ({ timings: resolveTimings(input?.timings), rearms: 0 }),
  initial: "armed",
  states: {
    armed: {
      description: "Counting down; ACTIVITY restarts the countdown.",
      after: { inactivity: { target: "tripped" } },
      // reenter: true restarts the `after` timer (a targetless transition would keep it running).
      on: { ACTIVITY: { target: "armed", reenter: true, actions: "countRearm" } },
    },
    tripped: { type: "final", description: "No ACTIVITY for inactivityMs." },
  },
  output: () => ({ reason: "inactivity" as const }),
});
