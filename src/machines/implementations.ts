/**
 * What the runtime provides to the machines, in one place. The machines name the I/O they invoke
 * (`pairingExchange`, `advertise`, `signalMailbox`, `connect`, `peerLink`), the effects they ask
 * for (`wipe`, `close`, `startSync`, `announceVerified`, `sendPing`, `sendRotate`, `expireEpoch`)
 * and the liveness questions their timers ask when they fire ("idle for the full period?");
 * `provideSession` returns the session machine with every child provided accordingly.
 * `createSyncEngine` passes the real implementations; tests pass fakes the same way.
 */
import type { CallbackActorLogic, EventObject, NonReducibleUnknown, PromiseActorLogic } from "xstate";
import { connectionMachine } from "./connection.js";
import { deadManMachine } from "./deadMan.js";
import { keyRotationMachine } from "./keyRotation.js";
import { pairingMachine, type PairingActorInput } from "./pairing.js";
import { sessionMachine } from "./session.js";
import type { ConnectOutput, EndReason } from "./protocol.js";

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

export interface SessionEffects {
  wipe(params: { readonly reason: EndReason; readonly notifyPeer: boolean }): void;
  close(): void;
  startSync(): void;
  announceVerified(): void;
  sendPing(): void;
  sendRotate(params: { readonly epoch: number }): void;
  expireEpoch(params: { readonly epoch: number }): void;
}

/** Answers the timers' questions from the stamps the pipelines keep (milliseconds on the engine clock). */
export interface SessionLiveness {
  /** Since the last local or remote change to the doc or awareness (or the host app's touch). */
  idleMs(): number;
  /** Since the last authenticated frame from the peer (pairing counts as one). */
  peerSilentMs(): number;
  /** Since the last authenticated frame on the current link, or since it opened if later. */
  linkSilentMs(): number;
}

export interface SessionImplementations {
  readonly actors: SessionActors;
  readonly effects: SessionEffects;
  readonly liveness: SessionLiveness;
}

export function provideSession(impl: SessionImplementations) {
  const { actors, effects, liveness } = impl;
  return sessionMachine.provide({
    actors: {
      signalMailbox: actors.signalMailbox,
      pairing: pairingMachine.provide({
        actors: { pairingExchange: actors.pairingExchange, advertise: actors.advertise },
      }),
      connection: connectionMachine.provide({
        actors: { connect: actors.connect, peerLink: actors.peerLink },
        actions: { sendPing: () => effects.sendPing() },
        guards: {
          peerSilentFullPeriod: ({ context }) => liveness.peerSilentMs() >= context.timings.peerGoneMs,
          linkSilentFullPeriod: ({ context }) => liveness.linkSilentMs() >= context.timings.linkStaleMs,
        },
        delays: {
          peerGoneRemaining: ({ context }) => Math.max(0, context.timings.peerGoneMs - liveness.peerSilentMs()),
          linkStaleRemaining: ({ context }) => Math.max(0, context.timings.linkStaleMs - liveness.linkSilentMs()),
        },
      }),
      deadMan: deadManMachine.provide({
        guards: { idleForFullPeriod: ({ context }) => liveness.idleMs() >= context.timings.inactivityMs },
        delays: { inactivityRemaining: ({ context }) => Math.max(0, context.timings.inactivityMs - liveness.idleMs()) },
      }),
      keyRotation: keyRotationMachine.provide({
        actions: {
          sendRotate: (_, params) => effects.sendRotate(params),
          expireEpoch: (_, params) => effects.expireEpoch(params),
        },
      }),
    },
    actions: {
      wipe: (_, params) => effects.wipe(params),
      close: () => effects.close(),
      startSync: () => effects.startSync(),
      announceVerified: () => effects.announceVerified(),
    },
  });
}

export type ProvidedSessionMachine = ReturnType<typeof provideSession>;
