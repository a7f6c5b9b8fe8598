/**
 * Key epochs, as two parallel regions:
 * - `rotation`: keyed(epoch n) -> rotating (sendRotate{n+1}; retried every
 *   rotationAckTimeoutMs until ROTATE_ACKED{n+1}) -> keyed(n+1). Due every rotationMs after the
 *   epoch began, or at once on ROTATE_NOW. With the channel down it waits in waitingForChannel and
 *   rotates when CHANNEL_OPEN arrives. PEER_ROTATE{n+1} (the peer started; crypto already answered)
 *   also advances to n+1 from any rotation state — including a collision with our own rotation to
 *   n+1, which crypto resolves so both sides end at n+1.
 * - `grace`: after each advance the previous epoch's receive key is kept rotationGraceMs, then
 *   expireEpoch{n}. A second advance inside the window expires the older epoch at once, so at
 *   most one old epoch is ever alive and expired epochs go 0, 1, 2, … without gaps.
 * Epochs only ever move by +1; stale or future epochs in events are ignored.
 *
 * The crypto is the runtime's: it provides `sendRotate({ epoch })` (seal and send ROTATE with a
 * fresh ephemeral key, or resend the pending one) and `expireEpoch({ epoch })` (wipe that epoch's
 * receive key); the defaults do nothing, so the bare machine can be walked on its own.
 */
import { assign, setup } from "xstate";
import { resolveTimings, type TimingsInput } from "./timings.js";
import type { SessionEvent, Timings } from "./protocol.js";

export type KeyRotationEvent = Extract<
  SessionEvent,
  { type: "ROTATE_NOW" | "PEER_ROTATE" | "ROTATE_ACKED" | "CHANNEL_OPEN" | "CHANNEL_CLOSED" }
>;

export interface KeyRotationInput extends TimingsInput {
  /** Whether the channel is up when the actor starts (default true; the session passes false). */
  readonly channelUp?: boolean;
}

export interface KeyRotationContext {
  readonly timings: Timings;
  /** The current (sending) epoch. */
  readonly epoch: number;
  /** The previous epoch whose receive key is still in its grace window, if any. */
  readonly graceEpoch: number | null;
  readonly channelUp: boolean;
  /** Tries (sendRotate calls) for the pending rotation (1 = first try). */
  readonly tries: number;
}

const ADVANCE_TARGETS = ["#keyRotation.rotation.keyed", "#keyRotation.grace.holding"];

const keyRotationSetup = setup({
  types: {
    context: {} as KeyRotationContext,
    events: {} as KeyRotationEvent,
    input: {} as KeyRotationInput | undefined,
  },
  actions: {
    /** Provided by the runtime: start (or retry) the rotation to `epoch`. */
    sendRotate: (_, _params: { epoch: number }) => {},
    /** Provided by the runtime: the grace window of `epoch` is over; wipe its receive key. */
    expireEpoch: (_, _params: { epoch: number }) => {},
    countTry: assign({ tries: ({ context }) => context.tries + 1 }),
    advance: assign({
      graceEpoch: ({ context }) => context.epoch,
      epoch: ({ context }) => context.epoch + 1,
      tries: () => 0,
    }),
    clearGrace: assign({ graceEpoch: () => null }),
    channelUp: assign({ channelUp: () => true }),
    channelDown: assign({ channelUp: () => false }),
  },
  guards: {
    channelIsUp: ({ context }) => context.channelUp,
    isNextEpoch: ({ context, event }) =>
      (event.type === "PEER_ROTATE" || event.type === "ROTATE_ACKED") && event.epoch === context.epoch + 1,
  },
  delays: {
    rotationInterval: ({ context }) => context.timings.rotationMs,
    ackTimeout: ({ context }) => context.timings.rotationAckTimeoutMs,
    rotationGrace: ({ context }) => context.timings.rotationGraceMs,
  },
});

export const keyRotationMachine = keyRotationSetup.extend({
  actions: {
    /** Expire the epoch still in grace (if any) before a newer one takes its place. */
    expireOlder: keyRotationSetup.enqueueActions(({ enqueue, context }) => {
      if (context.graceEpoch !== null) enqueue({ type: "expireEpoch", params: { epoch: context.graceEpoch } });
    }),
  },
}).createMachine({
  id: "keyRotation",
  context: ({ input }) => ({
    timings: resolveTimings(input?.timings),
    epoch: 0,
    graceEpoch: null,
    channelUp: input?.channelUp ?? true,
    tries: 0,
  }),
  type: "parallel",
  states: {
    rotation: {
      initial: "keyed",
      on: {
        // Track the link everywhere; the states below override where the link changes the plan.
        CHANNEL_OPEN: { actions: "channelUp" },
        CHANNEL_CLOSED: { actions: "channelDown" },
        PEER_ROTATE: {
          guard: "isNextEpoch",
          target: ADVANCE_TARGETS,
          actions: ["expireOlder", "advance"],
        },
      },
      states: {
        keyed: {
          description: "Sending with the current epoch; a rotation is due every rotationMs.",
          after: {
            rotationInterval: [{ guard: "channelIsUp", target: "rotating" }, { target: "waitingForChannel" }],
          },
          on: {
            ROTATE_NOW: [{ guard: "channelIsUp", target: "rotating" }, { target: "waitingForChannel" }],
          },
        },
        waitingForChannel: {
          description: "A rotation is due but the channel is down.",
          on: { CHANNEL_OPEN: { target: "rotating", actions: "channelUp" } },
        },
        rotating: {
          entry: ["countTry", { type: "sendRotate", params: ({ context }) => ({ epoch: context.epoch + 1 }) }],
          after: { ackTimeout: { target: "rotating", reenter: true } },
          on: {
            ROTATE_ACKED: { guard: "isNextEpoch", target: ADVANCE_TARGETS, actions: ["expireOlder", "advance"] },
            CHANNEL_CLOSED: { target: "waitingForChannel", actions: "channelDown" },
          },
        },
      },
    },
    grace: {
      initial: "idle",
      states: {
        idle: {},
        holding: {
          description: "The previous epoch's receive key lives for rotationGraceMs.",
          after: { rotationGrace: { target: "idle", actions: ["expireOlder", "clearGrace"] } },
        },
      },
    },
  },
});
