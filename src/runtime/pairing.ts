/**
 * The pairing exchange over the nameplate mailbox: both devices post their SPAKE2 message, then
 * their key-confirmation tag (both public; DESIGN §4). Everything that arrives is decoded by
 * the pairing-envelope Schema first. The mailbox holds exactly one other party (a relay refuses a
 * third on the nameplate; LAN signaling is one socket to whoever answered the nameplate), and
 * the real peer posts exactly one SPAKE2 message, then one tag, in order. So anything else in
 * their place (junk, a wrong-length or refused SPAKE2 message, a tag before the SPAKE2 message,
 * a malformed tag) is a failed attempt: PAKE_FAILED{malformed}, the session ends `wrongCode` and
 * the code is burned at once (a spoofer must not hold the joiner until the pairing timeout). Only
 * a byte-identical repeat of the peer's SPAKE2 message is counted and ignored. A tag that does not
 * verify is PAKE_FAILED{wrongCode}.
 */
import type { Subscription } from "rxjs";
import type { SignalingSession } from "../adapters/signaling/types.js";
import {
  createPairingHandshake, WrongCodeError, type KeyStore, type PairingHandshake,
} from "../adapters/crypto/index.js";
import { decodePairingEnvelope, encodePairingEnvelope } from "./codec.js";

export type PairingResult = { readonly ok: true } | { readonly ok: false; readonly reason: "wrongCode" | "malformed" | "peerGone" };

export interface PairingRunOptions {
  readonly session: SignalingSession;
  /** The code's UTF-8 bytes; zeroed here as soon as SPAKE2 has consumed it. */
  readonly password: Uint8Array;
  readonly identity: Uint8Array | undefined;
  readonly random: ((n: number) => Uint8Array) | undefined;
  readonly keyStore: KeyStore;
  readonly onPeerJoined: () => void;
  readonly onExchanged: () => void;
  readonly onRejected: (name: string) => void;
  readonly onDone: (r: PairingResult) => void;
}

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Starts the exchange; returns a function that stops listening (teardown). */
export function runPairing(o: PairingRunOptions): () => void {
  let hs: PairingHandshake;
  try {
    hs = createPairingHandshake({
      password: o.password,
      keyStore: o.keyStore,
      ...(o.identity !== undefined ? { identity: o.identity } : {}),
      ...(o.random !== undefined ? { random: o.random } : {}),
    });
  } finally {
    o.password.fill(0);
  }
  let phase: "awaitPake" | "awaitConfirm" | "done" = "awaitPake";
  let sub: Subscription | undefined;
  /** The peer's (public) SPAKE2 message, to recognise a re-delivered copy. */
  let peerPake: Uint8Array | undefined;
  const finish = (r: PairingResult) => {
    if (phase === "done") return;
    phase = "done";
    sub?.unsubscribe();
    o.onDone(r);
  };
  const post = (bytes: Uint8Array) => {
    o.session.send(bytes).catch((e: unknown) => {
      o.onRejected(e instanceof Error ? e.name : "SignalingError");
      finish({ ok: false, reason: "peerGone" });
    });
  };

  o.session.peerJoined.then(
    () => {
      if (phase !== "done") o.onPeerJoined();
    },
    () => {}, // a session closed before anyone joined: the messages$ completion reports it
  );

  // Our SPAKE2 message goes first: subscribing may deliver the peer's held messages at once,
  // and our confirmation tag must never overtake our own SPAKE2 message.
  post(encodePairingEnvelope({ kind: "pake", bytes: hs.message }));
  sub = o.session.messages$.subscribe({
    next: (blob) => {
      if (phase === "done") return;
      let env;
      try {
        env = decodePairingEnvelope(blob);
      } catch (e) {
        // Junk where the peer's SPAKE2 message or tag belongs: count it and burn the code.
        o.onRejected((e as Error).name);
        return finish({ ok: false, reason: "malformed" });
      }
      if (phase === "awaitPake" && env.kind === "pake") {
        let tag: Uint8Array;
        try {
          tag = hs.receive(env.bytes);
        } catch (e) {
          // crypto refused the message (Spake2Error: length, point, reflection): the code burns
          o.onRejected(e instanceof Error ? e.name : "Spake2Error");
          return finish({ ok: false, reason: "malformed" });
        }
        peerPake = env.bytes.slice();
        phase = "awaitConfirm";
        o.onExchanged();
        post(encodePairingEnvelope({ kind: "confirm", bytes: tag }));
        return;
      }
      if (phase === "awaitConfirm" && env.kind === "confirm") {
        try {
          hs.confirm(env.bytes);
        } catch (e) {
          if (!(e instanceof WrongCodeError)) o.onRejected(e instanceof Error ? e.name : "PairingMessageError");
          return finish({ ok: false, reason: e instanceof WrongCodeError ? "wrongCode" : "malformed" });
        }
        return finish({ ok: true });
      }
      if (phase === "awaitConfirm" && env.kind === "pake" && peerPake !== undefined && equalBytes(peerPake, env.bytes)) {
        o.onRejected("PairingDuplicateError"); // a re-delivered copy of the peer's message: harmless
        return;
      }
      // A tag before any SPAKE2 message, or a second, different SPAKE2 message: not the protocol.
      o.onRejected("PairingOrderError");
      finish({ ok: false, reason: "malformed" });
    },
    complete: () => finish({ ok: false, reason: "peerGone" }),
  });
  return () => {
    phase = "done";
    sub?.unsubscribe();
  };
}
