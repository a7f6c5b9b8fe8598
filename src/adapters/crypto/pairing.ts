/**
 * The pairing handshake: symmetric SPAKE2 plus key confirmation (DESIGN §4, docs/protocol.md §3).
 *
 *   1. both send `message` (33 bytes), 2. `receive(peer)` returns our confirmation tag (32 bytes),
 *   3. `confirm(peerTag)` checks the peer's tag in constant time: a mismatch is WrongCodeError
 *      and burns the attempt; success installs root_0 and the epoch-0 keys in the KeyStore.
 *
 * Directions "lo"/"hi" come from the bytewise order of the two 33-byte SPAKE2 messages, so
 * both sides agree without roles. Every secret is born in a KeyStore buffer (the code's bytes
 * are copied in and the caller's array zeroed; K, kc_lo, kc_hi, root_0 and the epoch-0 keys are
 * derived in place) and released as soon as it is no longer needed: the code's bytes once SPAKE2
 * has started, K and the confirmation keys once `confirm` has run, whatever its outcome.
 */
import { abytes, compareBytes, ctEqual, utf8 } from "./bytes.js";
import { PairingStateError, WrongCodeError } from "./errors.js";
import {
  confirmationKeysInto,
  confirmationTag,
  helloKeyInto,
  mailboxBytes,
  otherDirection,
  rootKeyInto,
  sasBytes,
  signalKeyInto,
  trafficKeyInto,
  transcriptHash,
  type Direction,
} from "./key-schedule.js";
import { installPairing, type KeyStore } from "./key-store.js";
import type { RandomSource } from "./random.js";
import { SPAKE2_KEY_BYTES, startSymmetricIn, type Spake2 } from "./spake2.js";
import { sasWords } from "./words.js";

/** Default SPAKE2 identity for Lethe pairing. */
export const DEFAULT_IDENTITY = "lethe/v1";
/** Words in the short authentication string (one byte each, 32 bits). */
export const SAS_WORDS = 4;
export const CONFIRMATION_TAG_BYTES = 32;

export interface PairingHandshakeOptions {
  /**
   * The canonical code as UTF-8 bytes (from `parseCode`). Taken over: copied into the key store
   * and zeroed at once; the store's copy is released as soon as SPAKE2 has started.
   */
  readonly password: Uint8Array;
  /** SPAKE2 identity; default UTF-8 "lethe/v1". */
  readonly identity?: Uint8Array;
  readonly keyStore: KeyStore;
  readonly random?: RandomSource;
}

export interface PairingHandshake {
  /** Our SPAKE2 message, 33 bytes (public). */
  readonly message: Uint8Array;
  /** Our direction once `receive` ran. */
  readonly direction: Direction | undefined;
  /**
   * Where the single-use handshake is: `sent` (our message is out; expects the peer's),
   * `received` (expects the peer's tag), `confirmed`, or `failed` (a refused input burned it).
   */
  readonly phase: HandshakePhase;
  /** Finishes SPAKE2 with the peer's message; returns our 32-byte confirmation tag (public). */
  receive(peerMessage: Uint8Array): Uint8Array;
  /** Verifies the peer's tag; throws WrongCodeError on mismatch. */
  confirm(peerTag: Uint8Array): void;
  /** Short authentication string, after `confirm`: the same words on both devices. */
  sas(): readonly string[];
}

export type HandshakePhase = "sent" | "received" | "confirmed" | "failed";

export function createPairingHandshake(options: PairingHandshakeOptions): PairingHandshake {
  const { keyStore } = options;
  const identity = options.identity ?? utf8(DEFAULT_IDENTITY);
  const password = keyStore.adopt("pairing-code", abytes(options.password, "password"));
  let spake: Spake2;
  try {
    spake = startSymmetricIn(keyStore, password, identity, options.random);
  } finally {
    keyStore.release(password); // SPAKE2 keeps only w and SHA256(pw); the code is not needed again
  }
  const message = spake.message;
  let phase: HandshakePhase = "sent";
  let direction: Direction | undefined;
  let k: Uint8Array | undefined;
  let kcLo: Uint8Array | undefined;
  let kcHi: Uint8Array | undefined;
  let th: Uint8Array | undefined;
  let words: readonly string[] | undefined;

  const cleanup = () => {
    keyStore.release(k);
    keyStore.release(kcLo);
    keyStore.release(kcHi);
    k = kcLo = kcHi = undefined;
  };

  return {
    message,
    get direction() {
      return direction;
    },
    get phase() {
      return phase;
    },
    receive(peerMessage) {
      if (phase !== "sent") throw new PairingStateError(`receive called in phase ${phase}`);
      phase = "failed"; // until it succeeds; a refused message burns the attempt
      try {
        k = keyStore.derive("spake2-key", SPAKE2_KEY_BYTES, (out) => spake.finishInto(peerMessage, out));
        direction = compareBytes(message, peerMessage) < 0 ? "lo" : "hi";
        const [lo, hi] = direction === "lo" ? [message, peerMessage] : [peerMessage, message];
        const transcript = transcriptHash(lo, hi);
        th = transcript;
        kcLo = keyStore.alloc("confirm-key", 32);
        kcHi = keyStore.alloc("confirm-key", 32);
        confirmationKeysInto(kcLo, kcHi, k, transcript);
        phase = "received";
        return confirmationTag(direction === "lo" ? kcLo : kcHi, direction, transcript);
      } catch (e) {
        cleanup();
        throw e;
      }
    },
    confirm(peerTag) {
      if (phase !== "received" || !k || !kcLo || !kcHi || !th || !direction) {
        throw new PairingStateError(`confirm called in phase ${phase}`);
      }
      phase = "failed";
      const key = k;
      const transcript = th;
      const dir = direction;
      try {
        abytes(peerTag, "confirmation tag");
        const peerDir = otherDirection(dir);
        const expected = confirmationTag(peerDir === "lo" ? kcLo : kcHi, peerDir, transcript);
        const ok = peerTag.length === CONFIRMATION_TAG_BYTES && ctEqual(expected, peerTag);
        expected.fill(0);
        if (!ok) throw new WrongCodeError("key confirmation failed: the codes differ");
        const root = keyStore.derive("root", 32, (out) => rootKeyInto(out, key, transcript));
        const sas = sasBytes(key, transcript, SAS_WORDS);
        words = sasWords(sas);
        sas.fill(0);
        const mailbox = mailboxBytes(root);
        installPairing(keyStore, {
          direction: dir,
          root,
          send0: keyStore.derive("traffic-send", 32, (out) => trafficKeyInto(out, root, dir)),
          receive0: keyStore.derive("traffic-receive", 32, (out) => trafficKeyInto(out, root, peerDir)),
          signalSend: keyStore.derive("signal-send", 32, (out) => signalKeyInto(out, root, dir)),
          signalReceive: keyStore.derive("signal-receive", 32, (out) => signalKeyInto(out, root, peerDir)),
          helloKey: keyStore.derive("lan-hello", 32, (out) => helloKeyInto(out, root)),
          mailboxId: Array.from(mailbox, (b) => b.toString(16).padStart(2, "0")).join(""),
        });
        phase = "confirmed";
      } finally {
        cleanup();
      }
    },
    sas() {
      if (phase !== "confirmed" || !words) throw new PairingStateError(`sas requested in phase ${phase}`);
      return words;
    },
  };
}
