/**
 * The `pairingExchange` actor (invoked by the pairing machine): commit-then-reveal SPAKE2, then
 * key confirmation, on the nameplate mailbox (all public; DESIGN §4, docs/protocol.md §3):
 *
 *   host -> join   commit  SHA256("lethe/v1 commit" || msg_host)     at once
 *   join -> host   pake    msg_join                                   only after the commit
 *   host -> join   pake    msg_host (the reveal), then confirm tag    only after msg_join
 *   join -> host   confirm tag                                        after checking the reveal
 *
 * Everything that arrives is decoded by the pairing-envelope Schema first. What is expected next
 * is the crypto handshake's own single-use phase (which also refuses to hand out our message out
 * of order); the lifecycle's stages are the pairing machine's, driven by what this actor sends
 * back: PEER_JOINED, PAKE_EXCHANGED, PAKE_OK, PAKE_FAILED{reason}.
 *
 * The mailbox holds exactly one other party and the real peer posts exactly the messages above,
 * in order. So anything else in their place (junk, a SPAKE2 message before the commitment, a
 * refused SPAKE2 message, a tag first, a malformed tag) is a failed attempt: PAKE_FAILED
 * {malformed}, and the code is burned at once (a spoofer must not hold the joiner until the
 * pairing timeout). Only a byte-identical repeat of the peer's commitment or SPAKE2 message is
 * counted and ignored. A reveal that does not match its commitment is CommitmentMismatchError:
 * the joiner tells the host (`abort`) and both end PAKE_FAILED{wrongCode}. A tag that does not
 * verify is PAKE_FAILED{wrongCode}. On PAKE_OK the secure channel exists (`scope.secure`).
 * Stopping the actor releases the nameplate (a relay cools it down).
 */
import { fromCallback, type EventObject } from "xstate";
import {
  CommitmentMismatchError,
  createPairingHandshake,
  createSecureChannel,
  WrongCodeError,
  type PairingHandshake,
} from "../../adapters/crypto/index.js";
import type { PairingActorInput } from "../../machines/pairing.js";
import type { PairingExchangeEvent, PakeFailure } from "../../machines/protocol.js";
import { decodePairingEnvelope, encodePairingEnvelope } from "../codec.js";
import { PairingAbortedError, PairingDuplicateError, PairingOrderError } from "../errors.js";
import { reportRejection } from "../report.js";
import { Rotation } from "../rotation.js";
import { scopeOf } from "../binding.js";

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

export const pairingExchangeActor = fromCallback<EventObject, PairingActorInput>(({ sendBack, input, system }) => {
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
  const role = input.role;
  let hs: PairingHandshake;
  try {
    if (role === null) throw new PairingOrderError("pairing without a role (host or join)");
    hs = createPairingHandshake({
      role,
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
  const post = (bytes: Uint8Array): Promise<void> => session.send(bytes).catch((e: unknown) => fail("peerGone", e));
  /** The abort, when we sent one: the nameplate closes only once it has been handed to signaling. */
  let aborting: Promise<void> | undefined;
  /** The peer's (public) commitment and SPAKE2 message, to recognise a re-delivered copy. */
  let peerCommit: Uint8Array | undefined;
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
    if (env.kind === "commit" && hs.phase === "awaitingCommitment") {
      // Joiner: the host's message is now fixed; ours may go out.
      try {
        hs.acceptCommitment(env.bytes);
      } catch (e) {
        return fail("malformed", e);
      }
      peerCommit = env.bytes.slice();
      void post(encodePairingEnvelope({ kind: "pake", bytes: hs.message }));
      return;
    }
    if (env.kind === "pake" && (hs.phase === "committed" || hs.phase === "sent")) {
      let tag: Uint8Array;
      try {
        tag = hs.receive(env.bytes);
      } catch (e) {
        if (e instanceof CommitmentMismatchError) {
          // Tell the host; the nameplate closes once this is out.
          aborting = post(encodePairingEnvelope({ kind: "abort", bytes: new Uint8Array(0) }));
          return fail("wrongCode", e);
        }
        return fail("malformed", e); // crypto refused it (length, point, reflection): the code burns
      }
      peerPake = env.bytes.slice();
      send({ type: "PAKE_EXCHANGED" });
      // Host: the reveal, only now that the joiner's message is in; then (both) our tag.
      if (hs.role === "host") void post(encodePairingEnvelope({ kind: "pake", bytes: hs.message }));
      void post(encodePairingEnvelope({ kind: "confirm", bytes: tag }));
      return;
    }
    if (env.kind === "abort" && hs.role === "host" && hs.phase === "received") {
      return fail("wrongCode", new PairingAbortedError("the joiner refused our SPAKE2 message (it did not match our commitment)"));
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
    const repeated = env.kind === "pake" ? peerPake : env.kind === "commit" ? peerCommit : undefined;
    if (repeated !== undefined && equalBytes(repeated, env.bytes)) {
      scope.report(new PairingDuplicateError(`a re-delivered copy of the peer's ${env.kind === "pake" ? "SPAKE2 message" : "commitment"}`), "pairing");
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
  // The host's commitment goes first: subscribing may deliver the joiner's held messages at
  // once, and nothing of ours may overtake it. The joiner posts nothing until the commitment.
  if (hs.role === "host") void post(encodePairingEnvelope({ kind: "commit", bytes: hs.commitment }));
  const sub = session.messages$.subscribe({ next: onBlob, complete: () => fail("peerGone") });
  return () => {
    done = true;
    sub.unsubscribe();
    const close = () => session.close().catch(reportRejection(scope.report, "signaling"));
    if (aborting === undefined) void close();
    else void aborting.finally(close);
  };
});
