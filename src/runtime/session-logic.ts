/**
 * The session machine as the runtime runs it: every child provided with the runtime's actors and
 * effects, built once per process. Actors and effects find their engine's scope by the actor
 * system they are handed (binding.ts); the liveness stamps travel in the session's input.
 */
import { provideSession } from "../machines/implementations.js";
import { advertiseActor } from "./actors/advertise.js";
import { connectActor } from "./actors/connect.js";
import { pairingExchangeActor } from "./actors/pairing-exchange.js";
import { peerLinkActor } from "./actors/peer-link.js";
import { signalMailboxActor } from "./actors/signal-mailbox.js";
import { sessionEffects } from "./effects.js";

export const sessionLogic = provideSession({
  actors: {
    pairingExchange: pairingExchangeActor,
    advertise: advertiseActor,
    signalMailbox: signalMailboxActor,
    connect: connectActor,
    peerLink: peerLinkActor,
  },
  effects: sessionEffects,
});
