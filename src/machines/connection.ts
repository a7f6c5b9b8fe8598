/**
 * The transport link and the peer's liveness, as two parallel regions:
 * - `link`: connecting (emits CONNECT{attempt}) -> open (emits SEND_PING at once and every
 *   pingIntervalMs) -> reconnecting (backoff reconnectBaseMs doubling to reconnectMaxMs per
 *   consecutive failure) -> connecting ...
 * - `liveness`: `peerGoneMs` without PEER_MESSAGE_OK (any authenticated frame, PONG included) in
 *   any link state -> `gone` (final). The clock runs from the actor's start (= PAKE_OK in a session).
 * It never closes by itself otherwise: the session stops it and the runtime closes on CLOSE.
 */
import { assign, enqueueActions, setup } from "xstate";
import { CHILD_COMMAND } from "./command.js";
import { resolveTimings, type TimingsInput } from "./timings.js";
import type { SessionCommand, SessionEvent, Timings } from "./protocol.js";

export type ConnectionEvent = Extract<
  SessionEvent,
  { type: "CHANNEL_OPEN" | "CHANNEL_CLOSED" | "CONNECT_FAILED" | "PEER_MESSAGE_OK" }
>;

export type ConnectionCommand = Extract<SessionCommand, { type: "CONNECT" | "SEND_PING" }>;

export interface ConnectionContext {
  readonly timings: Timings;
  /** CONNECT commands emitted so far (attempt numbers count from 1). */
  readonly attempt: number;
  /** Consecutive failed attempts since the channel was last open; drives the backoff. */
  readonly failures: number;
  /** The runtime's public handle of the open channel. */
  readonly channelId: string | null;
}

export interface ConnectionOutput {
  readonly reason: "peerGone";
}

/** Backoff before reconnect number `failures` (>= 1): base * 2^(failures-1), capped. */
export function reconnectDelay(timings: Timings, failures: number): number {
  const exponent = Math.max(0, failures - 1);
  // Cap the exponent too: 2 ** 1000 is Infinity and would still be capped, but stays readable.
  return Math.min(timings.reconnectBaseMs * 2 ** Math.min(exponent, 52), timings.reconnectMaxMs);
}

export const connectionMachine = setup({
  types: {
    context: {} as ConnectionContext,
    events: {} as ConnectionEvent,
    input: {} as TimingsInput | undefined,
    output: {} as ConnectionOutput,
    emitted: {} as ConnectionCommand,
  },
  actions: {
    command: enqueueActions(({ enqueue, self }, params: ConnectionCommand) => {
      enqueue.emit(params);
      if (self._parent !== undefined) enqueue.sendParent({ type: CHILD_COMMAND, command: params });
    }),
    nextAttempt: assign({ attempt: ({ context }) => context.attempt + 1 }),
    countFailure: assign({ failures: ({ context }) => context.failures + 1 }),
    clearFailures: assign({ failures: () => 0 }),
    keepChannel: assign({
      channelId: ({ event }) => (event.type === "CHANNEL_OPEN" ? event.channelId : null),
    }),
    dropChannel: assign({ channelId: () => null }),
  },
  delays: {
    pingInterval: ({ context }) => context.timings.pingIntervalMs,
    reconnectBackoff: ({ context }) => reconnectDelay(context.timings, context.failures),
    peerGone: ({ context }) => context.timings.peerGoneMs,
  },
}).createMachine({
  id: "connection",
  context: ({ input }) => ({
    timings: resolveTimings(input?.timings),
    attempt: 0,
    failures: 0,
    channelId: null,
  }),
  initial: "live",
  states: {
    live: {
      type: "parallel",
      states: {
        link: {
          initial: "connecting",
          states: {
            connecting: {
              entry: [
                "nextAttempt",
                { type: "command", params: ({ context }) => ({ type: "CONNECT", attempt: context.attempt }) },
              ],
              on: {
                CHANNEL_OPEN: { target: "open", actions: "keepChannel" },
                CONNECT_FAILED: { target: "reconnecting" },
                CHANNEL_CLOSED: { target: "reconnecting" },
              },
            },
            open: {
              // A ping at once gives the peer a chance to prove liveness right after a reconnect.
              entry: ["clearFailures", { type: "command", params: { type: "SEND_PING" } }],
              after: { pingInterval: { target: "open", reenter: true } },
              on: { CHANNEL_CLOSED: { target: "reconnecting", actions: "dropChannel" } },
            },
            reconnecting: {
              entry: "countFailure",
              after: { reconnectBackoff: { target: "connecting" } },
              on: { CHANNEL_OPEN: { target: "open", actions: "keepChannel" } },
            },
          },
        },
        liveness: {
          initial: "watching",
          states: {
            watching: {
              after: { peerGone: { target: "#connection.gone" } },
              on: { PEER_MESSAGE_OK: { target: "watching", reenter: true } },
            },
          },
        },
      },
    },
    gone: { type: "final", description: "No authenticated frame for peerGoneMs." },
  },
  output: () => ({ reason: "peerGone" as const }),
});
