/**
 * The session: the root actor that owns a pairing's whole life.
 *
 *   idle -START-> pairing -paired-> active -> ending -> ended
 *
 * - pairing: invokes the `pairing` machine (which invokes the pairing exchange and the
 *   advertisement); its output decides: paired -> active, failed -> ending with its reason.
 * - active: invokes deadMan, expiry, connection (which invokes connect and peerLink) and
 *   keyRotation, plus the sealed `signalMailbox`; forwards the world's events to the child that
 *   needs them. With `strict` verification it holds sync (`verifying`) until the person confirmed
 *   the words here and the peer's device said it did too; `startSync` lets data flow.
 * - An actor that fails (an I/O actor that throws fails the machine that invoked it, up to here)
 *   ends the session with `error` through the same `ending`: the wipe stays first.
 * - ending (transient): entry `wipe({ reason, notifyPeer })` then `close`. Every path to `ended`
 *   goes through it, so the wipe happens exactly once and first: XState runs these entry actions
 *   before it stops the children of the state that was left (their stop is their cleanup:
 *   channel, mailbox, nameplate, advertisement), so the peer can still be told (sealed BYE).
 *   `ended` is final; its output carries the reason; events after it are ignored.
 * Status for the host comes from tags: idle, pairing, verifying, active (with the connection's
 * own connecting / connected / reconnecting), ending.
 */
import { assign, fromCallback, sendTo, setup } from "xstate";
import { connectionMachine } from "./connection.js";
import { deadManMachine } from "./deadMan.js";
import { expiryMachine } from "./expiry.js";
import { keyRotationMachine } from "./keyRotation.js";
import { pairingMachine } from "./pairing.js";
import { resolveTimings, type TimingsInput } from "./timings.js";
import type { EndReason, LivenessInput, Role, SessionEvent, SessionLiveness, Timings } from "./protocol.js";

export interface SessionInput extends TimingsInput, LivenessInput {
  /** Strict verification: sync starts only after both devices confirmed the words. */
  readonly strict?: boolean;
}

export interface SessionContext {
  readonly timings: Timings;
  /** The runtime's liveness stamps, handed to deadMan and connection (input; not a secret). */
  readonly liveness: SessionLiveness | undefined;
  readonly strict: boolean;
  readonly role: Role | null;
  readonly nameplate: string | null;
  /** True once pairing succeeded: keys exist, so an ending may tell the peer (sealed BYE). */
  readonly paired: boolean;
  readonly verifiedHere: boolean;
  readonly verifiedByPeer: boolean;
  /** Why the session ends; null until it starts ending. */
  readonly reason: EndReason | null;
}

export interface SessionOutput {
  readonly reason: EndReason;
}

/** The peer is told (sealed BYE) only if keys exist and it is neither gone nor the one who ended. */
export function shouldNotifyPeer(paired: boolean, reason: EndReason): boolean {
  return paired && reason !== "peerEnded" && reason !== "peerGone";
}

export const sessionMachine = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
    input: {} as SessionInput | undefined,
    output: {} as SessionOutput,
  },
  actors: {
    pairing: pairingMachine,
    deadMan: deadManMachine,
    expiry: expiryMachine,
    connection: connectionMachine,
    keyRotation: keyRotationMachine,
    /** Provided by the runtime (runtime/actors/signal-mailbox.ts): the sealed signaling mailbox. */
    signalMailbox: fromCallback(() => undefined),
  },
  actions: {
    endWith: assign({ reason: ({ context }, params: { reason: EndReason }) => context.reason ?? params.reason }),
    /** Provided by the runtime: zero every key (after a sealed BYE if asked), destroy the doc. */
    wipe: (_, _params: { reason: EndReason; notifyPeer: boolean }) => {},
    /** Provided by the runtime: close the adapters (transport, signaling, discovery). */
    close: () => {},
    /** Provided by the runtime: data may flow (sync rounds start on every link). */
    startSync: () => {},
    /** Provided by the runtime: tell the peer (sealed) that the words were confirmed here. */
    announceVerified: () => {},
    toDeadMan: sendTo("deadMan", ({ event }) => event),
    toKeyRotation: sendTo("keyRotation", ({ event }) => event),
  },
  guards: {
    strict: ({ context }) => context.strict,
    verifiedBothWays: ({ context }) => context.verifiedHere && context.verifiedByPeer,
    notConfirmedHere: ({ context }) => !context.verifiedHere,
  },
}).createMachine({
  id: "session",
  context: ({ input }) => ({
    timings: resolveTimings(input?.timings),
    liveness: input?.liveness,
    strict: input?.strict === true,
    role: null,
    nameplate: null,
    paired: false,
    verifiedHere: false,
    verifiedByPeer: false,
    reason: null,
  }),
  initial: "idle",
  on: {
    END: { target: ".ending", actions: { type: "endWith", params: ({ event }) => ({ reason: event.reason ?? "user" }) } },
    FATAL: { target: ".ending", actions: { type: "endWith", params: { reason: "error" } } },
  },
  states: {
    idle: {
      tags: ["idle"],
      description: "Created; nothing happens until START.",
      on: {
        START: {
          target: "pairing",
          actions: assign({ role: ({ event }) => event.role, nameplate: ({ event }) => event.nameplate }),
        },
      },
    },
    pairing: {
      tags: ["pairing"],
      description: "The pairing child runs the exchange (and the timeout); its output decides.",
      invoke: {
        id: "pairing",
        systemId: "pairing",
        src: "pairing",
        input: ({ context }) => ({
          timings: context.timings,
          ...(context.role ? { role: context.role } : {}),
          ...(context.nameplate ? { nameplate: context.nameplate } : {}),
        }),
        onDone: [
          { guard: ({ event }) => event.output.result === "paired", target: "active" },
          {
            target: "ending",
            actions: {
              type: "endWith",
              params: ({ event }) => ({ reason: event.output.result === "failed" ? event.output.reason : ("error" as const) }),
            },
          },
        ],
        onError: { target: "ending", actions: { type: "endWith", params: { reason: "error" } } },
      },
    },
    active: {
      tags: ["active"],
      description: "Paired (keys exist): deadMan, expiry, connection, keyRotation and the sealed mailbox run.",
      entry: assign({ paired: () => true }),
      // The mailbox first: the connection's first attempt signals through it at once.
      invoke: [
        { id: "signalMailbox", src: "signalMailbox", onError: { target: "ending", actions: { type: "endWith", params: { reason: "error" } } } },
        {
          id: "deadMan",
          systemId: "deadMan",
          src: "deadMan",
          input: ({ context }) => ({ timings: context.timings, liveness: context.liveness }),
          onDone: { target: "ending", actions: { type: "endWith", params: { reason: "inactivity" } } },
          onError: { target: "ending", actions: { type: "endWith", params: { reason: "error" } } },
        },
        {
          id: "expiry",
          systemId: "expiry",
          src: "expiry",
          input: ({ context }) => ({ timings: context.timings }),
          onDone: { target: "ending", actions: { type: "endWith", params: { reason: "expired" } } },
          onError: { target: "ending", actions: { type: "endWith", params: { reason: "error" } } },
        },
        {
          id: "connection",
          systemId: "connection",
          src: "connection",
          input: ({ context }) => ({ timings: context.timings, liveness: context.liveness }),
          onDone: { target: "ending", actions: { type: "endWith", params: { reason: "peerGone" } } },
          onError: { target: "ending", actions: { type: "endWith", params: { reason: "error" } } },
        },
        {
          id: "keyRotation",
          systemId: "keyRotation",
          src: "keyRotation",
          input: ({ context }) => ({ timings: context.timings, channelUp: false }),
          onError: { target: "ending", actions: { type: "endWith", params: { reason: "error" } } },
        },
      ],
      on: {
        CHANNEL_OPEN: { actions: "toKeyRotation" },
        CHANNEL_CLOSED: { actions: "toKeyRotation" },
        ROTATE_NOW: { actions: "toKeyRotation" },
        PEER_ROTATE: { actions: "toKeyRotation" },
        ROTATE_ACKED: { actions: "toKeyRotation" },
        PEER_BYE: { target: "ending", actions: { type: "endWith", params: { reason: "peerEnded" } } },
        // Verification words are shown in every mode; confirming is announced to the peer (which
        // may be strict), rejecting ends the session in every mode.
        VERIFY_CONFIRM: { guard: "notConfirmedHere", actions: [assign({ verifiedHere: () => true }), "announceVerified"] },
        PEER_VERIFIED: { actions: assign({ verifiedByPeer: () => true }) },
        VERIFY_REJECT: { target: "ending", actions: { type: "endWith", params: { reason: "verificationRejected" } } },
      },
      initial: "routing",
      states: {
        routing: {
          always: [{ guard: "strict", target: "verifying" }, { target: "syncing" }],
        },
        verifying: {
          tags: ["verifying"],
          description: "Strict verification: no data flows until both devices confirmed the words.",
          always: { guard: "verifiedBothWays", target: "syncing" },
        },
        syncing: {
          description: "Data flows: sync rounds on every link.",
          entry: "startSync",
        },
      },
    },
    ending: {
      tags: ["ending"],
      description: "Transient: wipe first, then close; the children stop after these actions.",
      entry: [
        { type: "wipe", params: ({ context }) => ({ reason: context.reason ?? "error", notifyPeer: shouldNotifyPeer(context.paired, context.reason ?? "error") }) },
        "close",
      ],
      always: { target: "ended" },
    },
    ended: { type: "final", tags: ["ended"], description: "Final; output { reason }." },
  },
  output: ({ context }) => ({ reason: context.reason ?? "error" }),
});
