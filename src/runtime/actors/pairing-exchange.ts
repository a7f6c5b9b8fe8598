/**
 * The `pairingExchange` actor (invoked by the pairing machine): both devices post their SPAKE2
 * message, then their key-confirmation tag, on the nameplate mailbox (both public; DESIGN §4).
 * Everything that arrives is decoded by the pairing-envelope Schema first. What is expected next
 * is the crypto handshake's own single-use phase; the lifecycle's stages are the pairing
 * machine's, driven by what this actor sends back: PEER_JOINED, PAKE_EXCHANGED, PAKE_OK,
 * PAKE_FAILED{reason}.
 *
 * The mailbox holds exactly one other party and the real peer posts exactly one SPAKE2 message,
 * then one tag, in order. So anything else in their place (junk, a refused SPAKE2 message, a tag
 * first, a malformed tag) is a failed attempt: PAKE_FAILED{malformed}, and the code is burned at
 * once (a spoofer must not hold the joiner until the pairing timeout). Only a byte-identical
 * repeat of the peer's SPAKE2 message is counted and ignored. A tag that does not verify is
 * PAKE_FAILED{wrongCode}. On PAKE_OK the secure channel exists (`scope.secure`). Stopping the
 * actor releases the nameplate (a relay cools it down).
 */
import { fromCallback, type EventObject } from "xstate";
import { createPairingHandshake, createSecureChannel, WrongCodeError, type PairingHandshake } from "../../adapters/crypto/index.js";
import type { PairingActorInput } from "../../machines/pairing.js";
import type { PairingExchangeEvent, PakeFailure } from "../../machines/protocol.js";
import { decodePairingEnvelope, encodePairingEnvelope } from "../codec.js";
import { PairingDuplicateError, PairingOrderError } from "../errors.js";
import { reportRejection } from "../report.js";
import { Rotation } from "../rotation.js";
import { scopeOf } from "../binding.js";

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

export const pairingExchangeActor = fromCallback<EventObject, PairingActorInput>(({ sendBack, system }) => {
  const scope = scopeOf(system);
  const ticket = scope.ticket;
  scope.ticket = undefined;
  let done = false;
  const send = (e: PairingExchangeEvent) => {
    if (!done) sendBack(e);
  };
  const fail = (reason: PakeFailure, error?: unknown) => {
    if (error !== undefined) scope.report(error, "pairing");
    send({ type: "PAKE_FAILED", reason });
    done = true;
  };
  if (ticket === undefined) {
    fail("peerGone", new PairingOrderError("no nameplate session to pair on"));
    return undefined;
  }
  const { session, password } = ticket;
  let hs: PairingHandshake;
  try {
    hs = createPairingHandshake({
      password,
      keyStore: scope.keyStore,
      ...(scope.identity !== undefined ? { identity: scope.identity } : {}),
      ...(scope.random !== undefined ? { random: scope.random } : {}),
    });
  } catch (e) {
    fail("malformed", e);
    return () => void session.close().catch(reportRejection(scope.report, "signaling"));
  } finally {
    password.fill(0);
  }
  const post = (bytes: Uint8Array) => {
    session.send(bytes).catch((e: unknown) => fail("peerGone", e));
  };
  /** The peer's (public) SPAKE2 message, to recognise a re-delivered copy. */
  let peerPake: Uint8Array | undefined;

  const paired = () => {
    const channel = createSecureChannel({
      keyStore: scope.keyStore,
      aead: scope.aead,
      keyAgreement: scope.keyAgreement,
      ...(scope.random ? { random: scope.random } : {}),
    });
    const words = hs.sas();
    scope.secure = { channel, rotation: new Rotation(channel, scope), words, pairedAt: scope.clock.now() };
    scope.liveness.reset();
    scope.crdt.setPresence({ device: scope.deviceName, doing: "syncing" });
    send({ type: "PAKE_OK" });
    done = true;
    // Announced once the session is active: a host app that answers the words from inside its
    // event handler (confirmVerification / rejectVerification) must reach a session that
    // handles them (before PAKE_OK the session was still pairing and dropped both).
    scope.announce({ type: "paired" });
    scope.announce({ type: "verification", words });
  };

  const onBlob = (blob: Uint8Array) => {
    if (done) return;
    let env;
    try {
      env = decodePairingEnvelope(blob);
    } catch (e) {
      return fail("malformed", e); // junk where the peer's SPAKE2 message or tag belongs: burn the code
    }
    if (env.kind === "pake" && hs.phase === "sent") {
      let tag: Uint8Array;
      try {
        tag = hs.receive(env.bytes);
      } catch (e) {
        return fail("malformed", e); // crypto refused it (length, point, reflection): the code burns
      }
      peerPake = env.bytes.slice();
      send({ type: "PAKE_EXCHANGED" });
      post(encodePairingEnvelope({ kind: "confirm", bytes: tag }));
      return;
    }
    if (env.kind === "confirm" && hs.phase === "received") {
      try {
        hs.confirm(env.bytes);
      } catch (e) {
        return e instanceof WrongCodeError ? fail("wrongCode") : fail("malformed", e);
      }
      try {
        return paired();
      } catch (e) {
        scope.report(e, "pairing", { fatal: true });
        done = true;
        return;
      }
    }
    if (env.kind === "pake" && peerPake !== undefined && equalBytes(peerPake, env.bytes)) {
      scope.report(new PairingDuplicateError("a re-delivered copy of the peer's SPAKE2 message"), "pairing");
      return;
    }
    fail("malformed", new PairingOrderError(`a ${env.kind} message out of order`));
  };

  session.peerJoined.then(
    () => {
      if (done) return;
      scope.announce({ type: "peerJoined" });
      send({ type: "PEER_JOINED" });
    },
    () => undefined, // a session closed before anyone joined: messages$ completing reports it
  );
  // Our SPAKE2 message goes first: subscribing may deliver the peer's held messages at once,
  // and our confirmation tag must never overtake our own SPAKE2 message.
  post(encodePairingEnvelope({ kind: "pake", bytes: hs.message }));
  const sub = session.messages$.subscribe({ next: onBlob, complete: () => fail("peerGone") });
  return () => {
    done = true;
    sub.unsubscribe();
    session.close().catch(reportRejection(scope.report, "signaling"));
  };
});
