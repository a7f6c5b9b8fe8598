/**
 * The transport link and the peer's liveness, as two parallel regions:
 * - `link`: connecting (invokes `connect`; `connectTimeout` bounds the attempt) -> open (invokes
 *   `peerLink` for the channel; `sendPing` at once and every pingIntervalMs) -> reconnecting
 *   (backoff reconnectBaseMs doubling to reconnectMaxMs per consecutive failure) -> connecting …
 *   An open link is given up at once when the transport reports its path lost (LINK_LOST) or when
 *   it carried no authenticated frame for linkStaleMs (`linkStaleRemaining` fires, asks
 *   `linkSilentFullPeriod`): a path that went dark (Wi-Fi to cellular) is replaced by a fresh
 *   connection under the same keys long before peerGoneMs.
 *   Leaving a state stops its actor: a timed-out attempt is aborted, a closed link's pipelines end.
 * - `liveness`: when `peerGoneRemaining` fires it asks "silent for the full peerGoneMs?"
 *   (`peerSilentFullPeriod`, answered by the runtime from the time of the last authenticated
 *   frame): if so -> `gone` (final), else it re-arms for the remainder. No event per frame.
 * It never closes by itself otherwise: the session stops it, which stops the link.
 */
import { assign, fromCallback, fromPromise, setup, type EventObject } from "xstate";
import { resolveTimings, type TimingsInput } from "./timings.js";
import type { ConnectOutput, LivenessInput, PeerLinkEvent, SessionLiveness, Timings } from "./protocol.js";

export interface ConnectionContext {
  readonly timings: Timings;
  /** The runtime's liveness stamps (input); without them the timers count from their start. */
  readonly liveness: SessionLiveness | undefined;
  /** Connect attempts made so far (attempt numbers count from 1). */
  readonly attempt: number;
  /** Consecutive failed attempts since the channel was last open; drives the backoff. */
  readonly failures: number;
  /** The handle of the open channel (the runtime holds the channel itself). */
  readonly channelId: string | null;
  /** Public name of the last attempt's failure (e.g. ConnectTimeoutError). */
  readonly lastFailure: string | null;
}

export interface ConnectionOutput {
  readonly reason: "peerGone";
}

/** Backoff before reconnect number `failures` (>= 1): base * 2^(failures-1), capped. */
export function reconnectDelay(timings: Timings, failures: number): number {
  const exponent = Math.max(0, failures - 1);
  return Math.min(timings.reconnectBaseMs * 2 ** Math.min(exponent, 52), timings.reconnectMaxMs);
}

const errorName = (error: unknown): string => (error instanceof Error ? error.name : "ConnectFailedError");

/** The liveness questions and re-arm delays, answered by whatever liveness `of` finds (none: count from the start). */
export function connectionLiveness(of: (context: ConnectionContext) => SessionLiveness | undefined) {
  return {
    guards: {
      /** No authenticated frame for the full peerGoneMs. */
      peerSilentFullPeriod: ({ context }: { context: ConnectionContext }) => (of(context)?.peerSilentMs() ?? Infinity) >= context.timings.peerGoneMs,
      /** This link carried no authenticated frame for the full linkStaleMs. */
      linkSilentFullPeriod: ({ context }: { context: ConnectionContext }) => (of(context)?.linkSilentMs() ?? Infinity) >= context.timings.linkStaleMs,
    },
    delays: {
      /** What is left of peerGoneMs since the last frame. */
      peerGoneRemaining: ({ context }: { context: ConnectionContext }) => Math.max(0, context.timings.peerGoneMs - (of(context)?.peerSilentMs() ?? 0)),
      /** What is left of linkStaleMs since this link's last frame (or its opening). */
      linkStaleRemaining: ({ context }: { context: ConnectionContext }) => Math.max(0, context.timings.linkStaleMs - (of(context)?.linkSilentMs() ?? 0)),
    },
  };
}

const fromContext = connectionLiveness((context) => context.liveness);

export const connectionMachine = setup({
  types: {
    context: {} as ConnectionContext,
    events: {} as PeerLinkEvent,
    input: {} as (TimingsInput & LivenessInput) | undefined,
    output: {} as ConnectionOutput,
  },
  actors: {
    /** Provided by the runtime (runtime/actors/connect.ts): opens a channel, outputs its handle. */
    connect: fromPromise<ConnectOutput, { attempt: number }>(() => Promise.reject(new Error("connect is not provided"))),
    /** Provided by the runtime (runtime/actors/peer-link.ts): the two pipelines over the channel. */
    peerLink: fromCallback<EventObject, { channelId: string }>(() => undefined),
  },
  actions: {
    /** Provided by the runtime: queue a sealed PING on the link. */
    sendPing: () => {},
    nextAttempt: assign({ attempt: ({ context }) => context.attempt + 1 }),
    countFailure: assign({ failures: ({ context }) => context.failures + 1 }),
    clearFailures: assign({ failures: () => 0, lastFailure: () => null }),
    keepChannel: assign({ channelId: (_, params: { channelId: string }) => params.channelId }),
    dropChannel: assign({ channelId: () => null }),
    noteFailure: assign({ lastFailure: (_, params: { name: string }) => params.name }),
  },
  guards: fromContext.guards,
  delays: {
    connectTimeout: ({ context }) => context.timings.connectTimeoutMs,
    pingInterval: ({ context }) => context.timings.pingIntervalMs,
    reconnectBackoff: ({ context }) => reconnectDelay(context.timings, context.failures),
    ...fromContext.delays,
  },
}).createMachine({
  id: "connection",
  context: ({ input }) => ({
    timings: resolveTimings(input?.timings),
    liveness: input?.liveness,
    attempt: 0,
    failures: 0,
    channelId: null,
    lastFailure: null,
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
              tags: ["connecting"],
              entry: "nextAttempt",
              invoke: {
                id: "connect",
                src: "connect",
                input: ({ context }) => ({ attempt: context.attempt }),
                onDone: { target: "open", actions: { type: "keepChannel", params: ({ event }) => ({ channelId: event.output.channelId }) } },
                onError: { target: "reconnecting", actions: { type: "noteFailure", params: ({ event }) => ({ name: errorName(event.error) }) } },
              },
              after: { connectTimeout: { target: "reconnecting", actions: { type: "noteFailure", params: { name: "ConnectTimeoutError" } } } },
            },
            open: {
              tags: ["connected"],
              entry: "clearFailures",
              invoke: { id: "peerLink", src: "peerLink", input: ({ context }) => ({ channelId: context.channelId ?? "" }) },
              on: {
                CHANNEL_CLOSED: { target: "reconnecting", actions: "dropChannel" },
                LINK_LOST: { target: "reconnecting", actions: ["dropChannel", { type: "noteFailure", params: { name: "LinkLostError" } }] },
              },
              type: "parallel",
              states: {
                // A ping at once gives the peer a chance to prove liveness right after a reconnect.
                pinging: {
                  initial: "waiting",
                  states: { waiting: { entry: "sendPing", after: { pingInterval: { target: "waiting", reenter: true } } } },
                },
                freshness: {
                  initial: "watching",
                  states: {
                    watching: {
                      after: {
                        linkStaleRemaining: [
                          { guard: "linkSilentFullPeriod", target: "#connection.live.link.reconnecting", actions: ["dropChannel", { type: "noteFailure", params: { name: "LinkStaleError" } }] },
                          { target: "watching", reenter: true },
                        ],
                      },
                    },
                  },
                },
              },
            },
            reconnecting: {
              tags: ["reconnecting"],
              entry: "countFailure",
              after: { reconnectBackoff: { target: "connecting" } },
            },
          },
        },
        liveness: {
          initial: "watching",
          states: {
            watching: {
              after: {
                peerGoneRemaining: [{ guard: "peerSilentFullPeriod", target: "#connection.gone" }, { target: "watching", reenter: true }],
              },
            },
          },
        },
      },
    },
    gone: { type: "final", description: "No authenticated frame for peerGoneMs." },
  },
  output: () => ({ reason: "peerGone" as const }),
});
