/**
 * What the runtime provides to the machines, in one place. The machines name the I/O they invoke
 * (`pairingExchange`, `advertise`, `signalMailbox`, `connect`, `peerLink`), the effects they ask
 * for (`wipe`, `close`, `startSync`, `announceVerified`, `sendPing`, `sendRotate`, `expireEpoch`)
 * and the liveness questions their timers ask when they fire ("idle for the full period?");
 * `provideSession` returns the session machine with every child provided accordingly.
 * `createSyncEngine` passes the real implementations; tests pass fakes the same way.
 */
import type { ActorSystem, CallbackActorLogic, EventObject, NonReducibleUnknown, PromiseActorLogic } from "xstate";
import { connectionLiveness, connectionMachine } from "./connection.js";
import { deadManLiveness, deadManMachine } from "./deadMan.js";
import { keyRotationMachine } from "./keyRotation.js";
import { pairingMachine, type PairingActorInput } from "./pairing.js";
import { sessionMachine } from "./session.js";
import type { ConnectOutput, EndReason, SessionLiveness } from "./protocol.js";

export type { SessionLiveness } from "./protocol.js";

export interface SessionActors {
  /** SPAKE2 + key confirmation over the nameplate mailbox; sends back PairingExchangeEvents; stop = release the nameplate. */
  readonly pairingExchange: CallbackActorLogic<EventObject, PairingActorInput>;
  /** The host's nameplate on the LAN while pairing; stop = withdraw. */
  readonly advertise: CallbackActorLogic<EventObject, PairingActorInput>;
  /** The sealed signaling mailbox for the paired session; stop = close it. */
  readonly signalMailbox: CallbackActorLogic<EventObject, NonReducibleUnknown>;
  /** One connect attempt; resolves with the channel's handle; stop = abort. */
  readonly connect: PromiseActorLogic<ConnectOutput, { attempt: number }>;
  /** Both pipelines over one open channel; sends back CHANNEL_CLOSED; stop = end them and close the channel. */
  readonly peerLink: CallbackActorLogic<EventObject, { channelId: string }>;
}

/** The session an effect runs for: the runtime finds its engine by the actor system. */
export interface EffectOrigin {
  readonly system: ActorSystem<any>;
}

export interface SessionEffects {
  wipe(params: { readonly reason: EndReason; readonly notifyPeer: boolean }, origin: EffectOrigin): void;
  close(params: undefined, origin: EffectOrigin): void;
  startSync(params: undefined, origin: EffectOrigin): void;
  announceVerified(params: undefined, origin: EffectOrigin): void;
  sendPing(params: undefined, origin: EffectOrigin): void;
  sendRotate(params: { readonly epoch: number }, origin: EffectOrigin): void;
  expireEpoch(params: { readonly epoch: number }, origin: EffectOrigin): void;
}

export interface SessionImplementations {
  readonly actors: SessionActors;
  readonly effects: SessionEffects;
  /**
   * Replaces the liveness the session's input carries (a test's fake world answers here). The
   * runtime passes its stamps in the input instead, so one provided machine serves every engine.
   */
  readonly liveness?: SessionLiveness;
}

/**
 * The session machine with every child provided. Building it clones each machine's state tree
 * (tens of KiB): the runtime builds it once per process and tells engines apart by the actor
 * system every actor and effect is handed (runtime/session-logic.ts).
 */
export function provideSession(impl: SessionImplementations) {
  const { actors, effects, liveness } = impl;
  // A test's fake world answers the timers' questions instead of the input's liveness.
  const livenessGuards = liveness && {
    connection: connectionLiveness(() => liveness),
    deadMan: deadManLiveness(() => liveness),
  };
  return sessionMachine.provide({
    actors: {
      signalMailbox: actors.signalMailbox,
      pairing: pairingMachine.provide({
        actors: { pairingExchange: actors.pairingExchange, advertise: actors.advertise },
      }),
      connection: connectionMachine.provide({
        actors: { connect: actors.connect, peerLink: actors.peerLink },
        actions: { sendPing: ({ system }) => effects.sendPing(undefined, { system }) },
        ...livenessGuards?.connection,
      }),
      deadMan: livenessGuards ? deadManMachine.provide(livenessGuards.deadMan) : deadManMachine,
      keyRotation: keyRotationMachine.provide({
        actions: {
          sendRotate: ({ system }, params) => effects.sendRotate(params, { system }),
          expireEpoch: ({ system }, params) => effects.expireEpoch(params, { system }),
        },
      }),
    },
    actions: {
      wipe: ({ system }, params) => effects.wipe(params, { system }),
      close: ({ system }) => effects.close(undefined, { system }),
      startSync: ({ system }) => effects.startSync(undefined, { system }),
      announceVerified: ({ system }) => effects.announceVerified(undefined, { system }),
    },
  });
}

export type ProvidedSessionMachine = ReturnType<typeof provideSession>;
