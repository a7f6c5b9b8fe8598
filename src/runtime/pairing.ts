/**
 * The pairing exchange over the nameplate mailbox: both devices post their SPAKE2 message, then
 * their key-confirmation tag (both public; DESIGN §4). Everything that arrives is decoded by
 * the pairing-envelope Schema first; undecodable or out-of-order envelopes are counted and
 * ignored (a hostile relay can inject them; the real peer's messages come in order). A SPAKE2
 * message that crypto refuses, or a tag that does not verify, ends the attempt: the code is burned.
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
        o.onRejected((e as Error).name);
        return;
      }
      if (phase === "awaitPake" && env.kind === "pake") {
        let tag: Uint8Array;
        try {
          tag = hs.receive(env.bytes);
        } catch {
          // crypto refused the message (Spake2Error: length, point, reflection): the code burns
          return finish({ ok: false, reason: "malformed" });
        }
        phase = "awaitConfirm";
        o.onExchanged();
        post(encodePairingEnvelope({ kind: "confirm", bytes: tag }));
        return;
      }
      if (phase === "awaitConfirm" && env.kind === "confirm") {
        try {
          hs.confirm(env.bytes);
        } catch (e) {
          return finish({ ok: false, reason: e instanceof WrongCodeError ? "wrongCode" : "malformed" });
        }
        return finish({ ok: true });
      }
      o.onRejected("PairingOrderError"); // a duplicate or out-of-order envelope
    },
    complete: () => finish({ ok: false, reason: "peerGone" }),
  });
  return () => {
    phase = "done";
    sub?.unsubscribe();
  };
}
