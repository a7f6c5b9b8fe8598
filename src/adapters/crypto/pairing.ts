/**
 * The pairing handshake: symmetric SPAKE2 plus key confirmation (DESIGN §4, docs/protocol.md §3).
 *
 *   1. both send `message` (33 bytes), 2. `receive(peer)` returns our confirmation tag (32 bytes),
 *   3. `confirm(peerTag)` checks the peer's tag in constant time: a mismatch is WrongCodeError
 *      and burns the attempt; success installs root_0 and the epoch-0 keys in the KeyStore.
 *
 * Directions "lo"/"hi" come from the bytewise order of the two 33-byte SPAKE2 messages, so
 * both sides agree without roles. Every secret lives in the KeyStore and is released as soon as
 * it is no longer needed.
 */
import { abytes, compareBytes, ctEqual, utf8 } from "./bytes.js";
import { PairingStateError, WrongCodeError } from "./errors.js";
import {
  confirmationKeys,
  confirmationTag,
  mailboxBytes,
  otherDirection,
  rootKey,
  sasBytes,
  signalKey,
  trafficKey,
  transcriptHash,
  type Direction,
} from "./key-schedule.js";
import { installPairing, type KeyStore } from "./key-store.js";
import { startSymmetric, type RandomSource, type Spake2 } from "./spake2.js";
import { sasWords } from "./words.js";

/** Default SPAKE2 identity for Lethe pairing. */
export const DEFAULT_IDENTITY = "lethe/v1";
/** Words in the short authentication string (one byte each, 32 bits). */
export const SAS_WORDS = 4;
export const CONFIRMATION_TAG_BYTES = 32;

export interface PairingHandshakeOptions {
  /** The canonical code as UTF-8 bytes (from `parseCode`); the caller may zero it afterwards. */
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
  /** Finishes SPAKE2 with the peer's message; returns our 32-byte confirmation tag (public). */
  receive(peerMessage: Uint8Array): Uint8Array;
  /** Verifies the peer's tag; throws WrongCodeError on mismatch. */
  confirm(peerTag: Uint8Array): void;
  /** Short authentication string, after `confirm`: the same words on both devices. */
  sas(): readonly string[];
}

type Phase = "sent" | "received" | "confirmed" | "failed";

export function createPairingHandshake(options: PairingHandshakeOptions): PairingHandshake {
  const { keyStore } = options;
  const identity = options.identity ?? utf8(DEFAULT_IDENTITY);
  const spake: Spake2 = options.random
    ? startSymmetric(options.password, identity, options.random)
    : startSymmetric(options.password, identity);
  const message = spake.message;
  let phase: Phase = "sent";
  let direction: Direction | undefined;
  let k: Uint8Array | undefined;
  let kc: Uint8Array | undefined;
  let th: Uint8Array | undefined;
  let words: readonly string[] | undefined;

  const cleanup = () => {
    keyStore.release(k);
    keyStore.release(kc);
    k = kc = undefined;
  };

  return {
    message,
    get direction() {
      return direction;
    },
    receive(peerMessage) {
      if (phase !== "sent") throw new PairingStateError(`receive called in phase ${phase}`);
      phase = "failed"; // until it succeeds; a refused message burns the attempt
      k = keyStore.adopt("spake2-key", spake.finish(peerMessage));
      direction = compareBytes(message, peerMessage) < 0 ? "lo" : "hi";
      const [lo, hi] = direction === "lo" ? [message, peerMessage] : [peerMessage, message];
      th = transcriptHash(lo, hi);
      kc = keyStore.adopt("confirm-keys", confirmationKeys(k, th));
      const ours = direction === "lo" ? kc.subarray(0, 32) : kc.subarray(32, 64);
      phase = "received";
      return confirmationTag(ours, direction, th);
    },
    confirm(peerTag) {
      if (phase !== "received" || !k || !kc || !th || !direction) {
        throw new PairingStateError(`confirm called in phase ${phase}`);
      }
      phase = "failed";
      try {
        abytes(peerTag, "confirmation tag");
        const peerDir = otherDirection(direction);
        const theirs = peerDir === "lo" ? kc.subarray(0, 32) : kc.subarray(32, 64);
        const expected = confirmationTag(theirs, peerDir, th);
        const ok = peerTag.length === CONFIRMATION_TAG_BYTES && ctEqual(expected, peerTag);
        expected.fill(0);
        if (!ok) throw new WrongCodeError("key confirmation failed: the codes differ");
        const root = keyStore.adopt("root", rootKey(k, th));
        const sas = sasBytes(k, th, SAS_WORDS);
        words = sasWords(sas);
        sas.fill(0);
        const mailbox = mailboxBytes(root);
        installPairing(keyStore, {
          direction,
          root,
          send0: keyStore.adopt("traffic-send", trafficKey(root, direction)),
          receive0: keyStore.adopt("traffic-receive", trafficKey(root, peerDir)),
          signalSend: keyStore.adopt("signal-send", signalKey(root, direction)),
          signalReceive: keyStore.adopt("signal-receive", signalKey(root, peerDir)),
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
