/**
 * The session: the root actor that owns a pairing's whole life.
 *
 *   idle -START-> pairing -PAKE_OK-> active(connecting | connected | reconnecting) -> ending -> ended
 *
 * - pairing: invokes `pairing` (stages + pairingTimeoutMs). PAKE_OK and PAKE_FAILED are decided
 *   here directly (crypto is the authority; no child round-trip before the decisive step).
 * - active: invokes deadMan, expiry, connection and keyRotation, all started at PAKE_OK, and
 *   forwards each runtime event to the child that needs it. Children's commands arrive as
 *   `lethe.command` and are re-emitted, so the runtime listens on this actor only.
 * - ending (transient): emits WIPE{reason, notifyPeer} and then CLOSE; every path to `ended` goes
 *   through it, so WIPE is emitted exactly once and first. `ended` is final, emits ENDED{reason}
 *   and its output carries the reason; events after it are ignored (the actor is done).
 */
import { assign, emit, sendTo, setup } from "xstate";
import { CHILD_COMMAND, type ChildCommandEvent } from "./command.js";
import { connectionMachine } from "./connection.js";
import { deadManMachine } from "./deadMan.js";
import { expiryMachine } from "./expiry.js";
import { keyRotationMachine } from "./keyRotation.js";
import { pairingFailureOf, pairingMachine } from "./pairing.js";
import { resolveTimings, type TimingsInput } from "./timings.js";
import type { EndReason, Role, SessionCommand, SessionEvent, Timings } from "./protocol.js";

export interface SessionContext {
  readonly timings: Timings;
  readonly role: Role | null;
  /** True once PAKE_OK arrived: keys exist, so an ending may tell the peer (sealed BYE). */
  readonly paired: boolean;
  /** Why the session ends; null until it starts ending. */
  readonly reason: EndReason | null;
}

export interface SessionOutput {
  readonly reason: EndReason;
}

/** The peer is told (sealed BYE) only if keys exist and it is neither gone nor the one who ended. */
function shouldNotifyPeer(paired: boolean, reason: EndReason): boolean {
  return paired && reason !== "peerEnded" && reason !== "peerGone";
}

export const sessionMachine = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent | ChildCommandEvent,
    input: {} as TimingsInput | undefined,
    output: {} as SessionOutput,
    emitted: {} as SessionCommand,
  },
  actors: {
    pairing: pairingMachine,
    deadMan: deadManMachine,
    expiry: expiryMachine,
    connection: connectionMachine,
    keyRotation: keyRotationMachine,
  },
  actions: {
    endWith: assign({ reason: (_, params: { reason: EndReason }) => params.reason }),
    markPaired: assign({ paired: () => true }),
    reemit: emit(({ event }) => {
      // Only `lethe.command` reaches this action (see the `on` map); narrow for the type checker.
      if (event.type !== CHILD_COMMAND) throw new TypeError(`reemit got ${event.type}`);
      return event.command;
    }),
    wipe: emit(({ context }) => {
      const reason = context.reason ?? "error";
      return { type: "WIPE" as const, reason, notifyPeer: shouldNotifyPeer(context.paired, reason) };
    }),
    close: emit({ type: "CLOSE" as const }),
    announceEnded: emit(({ context }) => ({ type: "ENDED" as const, reason: context.reason ?? "error" })),
    toPairing: sendTo("pairing", ({ event }) => event),
    toDeadMan: sendTo("deadMan", ({ event }) => event),
    toConnection: sendTo("connection", ({ event }) => event),
    toKeyRotation: sendTo("keyRotation", ({ event }) => event),
  },
}).createMachine({
  id: "session",
  context: ({ input }) => ({
    timings: resolveTimings(input?.timings),
    role: null,
    paired: false,
    reason: null,
  }),
  initial: "idle",
  on: {
    END: {
      target: ".ending",
      actions: { type: "endWith", params: ({ event }) => ({ reason: event.reason ?? "user" }) },
    },
    FATAL: { target: ".ending", actions: { type: "endWith", params: { reason: "error" } } },
  },
  states: {
    idle: {
      description: "Created; nothing happens until START.",
      on: {
        START: { target: "pairing", actions: assign({ role: ({ event }) => event.role }) },
      },
    },
    pairing: {
      description: "The pairing child runs (stages, pairingTimeoutMs); PAKE_OK / PAKE_FAILED decide here.",
      invoke: {
        id: "pairing",
        src: "pairing",
        input: ({ context }) => ({ timings: context.timings, ...(context.role ? { role: context.role } : {}) }),
        // Only the timeout can finish the child here: PAKE_OK / PAKE_FAILED are handled below.
        onDone: {
          target: "ending",
          actions: {
            type: "endWith",
            params: ({ event }) => ({
              reason: event.output.result === "failed" ? event.output.reason : ("error" as const),
            }),
          },
        },
      },
      on: {
        CODE_READY: { actions: "toPairing" },
        PEER_JOINED: { actions: "toPairing" },
        PAKE_EXCHANGED: { actions: "toPairing" },
        PAKE_OK: { target: "active" },
        PAKE_FAILED: {
          target: "ending",
          actions: { type: "endWith", params: ({ event }) => ({ reason: pairingFailureOf(event.reason) }) },
        },
      },
    },
    active: {
      description: "Paired (keys exist); deadMan, expiry, connection and keyRotation run.",
      entry: "markPaired",
      invoke: [
        {
          id: "deadMan",
          src: "deadMan",
          input: ({ context }) => ({ timings: context.timings }),
          onDone: { target: "ending", actions: { type: "endWith", params: { reason: "inactivity" } } },
        },
        {
          id: "expiry",
          src: "expiry",
          input: ({ context }) => ({ timings: context.timings }),
          onDone: { target: "ending", actions: { type: "endWith", params: { reason: "expired" } } },
        },
        {
          id: "connection",
          src: "connection",
          input: ({ context }) => ({ timings: context.timings }),
          onDone: { target: "ending", actions: { type: "endWith", params: { reason: "peerGone" } } },
        },
        {
          id: "keyRotation",
          src: "keyRotation",
          input: ({ context }) => ({ timings: context.timings, channelUp: false }),
        },
      ],
      initial: "connecting",
      on: {
        ACTIVITY: { actions: "toDeadMan" },
        PEER_MESSAGE_OK: { actions: "toConnection" },
        CONNECT_FAILED: { actions: "toConnection" },
        // Duplicates (OPEN while connected, CLOSED while not) still reach the children, which ignore them.
        CHANNEL_OPEN: { actions: ["toConnection", "toKeyRotation"] },
        CHANNEL_CLOSED: { actions: ["toConnection", "toKeyRotation"] },
        ROTATE_NOW: { actions: "toKeyRotation" },
        PEER_ROTATE: { actions: "toKeyRotation" },
        ROTATE_ACKED: { actions: "toKeyRotation" },
        [CHILD_COMMAND]: { actions: "reemit" },
        PEER_BYE: { target: "ending", actions: { type: "endWith", params: { reason: "peerEnded" } } },
      },
      states: {
        connecting: {
          description: "Paired; the first channel is not open yet.",
          on: { CHANNEL_OPEN: { target: "connected", actions: ["toConnection", "toKeyRotation"] } },
        },
        connected: {
          description: "A channel is open.",
          on: { CHANNEL_CLOSED: { target: "reconnecting", actions: ["toConnection", "toKeyRotation"] } },
        },
        reconnecting: {
          description: "The channel closed; the connection child reconnects with backoff.",
          on: { CHANNEL_OPEN: { target: "connected", actions: ["toConnection", "toKeyRotation"] } },
        },
      },
    },
    ending: {
      description: "Transient: WIPE first, then CLOSE; children are already stopped.",
      entry: ["wipe", "close"],
      always: { target: "ended" },
    },
    ended: { type: "final", description: "Final; emits ENDED; output { reason }.", entry: "announceEnded" },
  },
  output: ({ context }) => ({ reason: context.reason ?? "error" }),
});
