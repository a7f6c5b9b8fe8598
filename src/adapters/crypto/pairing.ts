/**
 * The pairing handshake: commit-then-reveal symmetric SPAKE2 plus key confirmation
 * (DESIGN §4, docs/protocol.md §3).
 *
 *   host:  1. send `commitment` = SHA256("lethe/v1 commit" || message)       (32 bytes)
 *          2. `receive(joinerMessage)` returns our confirmation tag; only now is `message` readable:
 *             send it (the reveal), then the tag
 *          3. `confirm(joinerTag)`
 *   join:  1. `acceptCommitment(commitment)`; only now is `message` readable: send it
 *          2. `receive(hostMessage)` checks it against the commitment first (CommitmentMismatchError,
 *             a WrongCodeError, burns the attempt), then returns our confirmation tag: send it
 *          3. `confirm(hostTag)`
 *
 * Why the order: a man in the middle who knows the code runs one SPAKE2 session with each
 * device and wants both to show the same 32-bit SAS. Without a commitment she holds both
 * devices' messages before sending either of hers and can search her own two for a match (a
 * birthday search, ~2^17 candidates). Here, toward the joiner she must commit before the joiner
 * sends, and toward the host she must send before the host reveals: in each session one of her
 * inputs is fixed before she learns the honest input the SAS depends on, so she cannot evaluate
 * a candidate, and a match has probability 2^-32 per (visible, failed-or-rejected) attempt.
 * The commitment is a function of the host's message, which the transcript hash already binds,
 * so the key schedule is unchanged.
 *
 * `confirm(peerTag)` checks the peer's tag in constant time: a mismatch is WrongCodeError and
 * burns the attempt; success installs root_0 and the epoch-0 keys in the KeyStore. Steps out of
 * order (a joiner message before the commitment, a reveal before the joiner's message) are
 * PairingStateError, before anything is computed.
 *
 * Directions "lo"/"hi" come from the bytewise order of the two 33-byte SPAKE2 messages, so
 * both sides agree without roles. Every secret is born in a KeyStore buffer (the code's bytes
 * are copied in and the caller's array zeroed; K, kc_lo, kc_hi, root_0 and the epoch-0 keys are
 * derived in place) and released as soon as it is no longer needed: the code's bytes once SPAKE2
 * has started, K and the confirmation keys once `confirm` has run, whatever its outcome.
 */
import { abytes, compareBytes, ctEqual, utf8 } from "./bytes.js";
import { CommitmentMismatchError, PairingStateError, WrongCodeError } from "./errors.js";
import {
  COMMITMENT_BYTES,
  commitmentHash,
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

/** Who commits (the device that showed the code) and who answers (the one that typed it). */
export type PairingRole = "host" | "join";

export interface PairingHandshakeOptions {
  /** `host` commits to its SPAKE2 message and reveals it last; `join` sends only after the commitment. */
  readonly role: PairingRole;
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
  readonly role: PairingRole;
  /** Host only: the 32-byte commitment to our SPAKE2 message, to send first (public). */
  readonly commitment: Uint8Array;
  /**
   * Our SPAKE2 message, 33 bytes (public). Readable by the joiner once it accepted the
   * commitment, by the host once it received the joiner's message (the reveal); before that
   * PairingStateError, so the order cannot be broken by accident.
   */
  readonly message: Uint8Array;
  /** Our direction once `receive` ran. */
  readonly direction: Direction | undefined;
  /**
   * Where the single-use handshake is: `committed` (host: commitment out, expects the joiner's
   * message), `awaitingCommitment` (join: expects the host's commitment), `sent` (join: our
   * message is out, expects the reveal), `received` (expects the peer's tag), `confirmed`, or
   * `failed` (a refused input burned it).
   */
  readonly phase: HandshakePhase;
  /** Join only: takes the host's commitment (32 bytes); our message may be sent after this. */
  acceptCommitment(commitment: Uint8Array): void;
  /**
   * Finishes SPAKE2 with the peer's message; returns our 32-byte confirmation tag (public). The
   * joiner first checks the message against the commitment: CommitmentMismatchError.
   */
  receive(peerMessage: Uint8Array): Uint8Array;
  /** Verifies the peer's tag; throws WrongCodeError on mismatch. */
  confirm(peerTag: Uint8Array): void;
  /** Short authentication string, after `confirm`: the same words on both devices. */
  sas(): readonly string[];
}

export type HandshakePhase = "committed" | "awaitingCommitment" | "sent" | "received" | "confirmed" | "failed";

export function createPairingHandshake(options: PairingHandshakeOptions): PairingHandshake {
  const { keyStore, role } = options;
  if (role !== "host" && role !== "join") throw new TypeError(`role: expected "host" or "join", got ${String(role)}`);
  const identity = options.identity ?? utf8(DEFAULT_IDENTITY);
  const password = keyStore.adopt("pairing-code", abytes(options.password, "password"));
  let spake: Spake2;
  try {
    spake = startSymmetricIn(keyStore, password, identity, options.random);
  } finally {
    keyStore.release(password); // SPAKE2 keeps only w and SHA256(pw); the code is not needed again
  }
  const message = spake.message;
  const ownCommitment = role === "host" ? commitmentHash(message) : undefined;
  let peerCommitment: Uint8Array | undefined;
  let phase: HandshakePhase = role === "host" ? "committed" : "awaitingCommitment";
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
    role,
    get commitment() {
      if (ownCommitment === undefined) throw new PairingStateError("only the host commits");
      return ownCommitment;
    },
    get message() {
      // The whole point of the commitment: the host's message is not out before the joiner's is
      // in, and the joiner's is not out before it holds the host's commitment.
      if (role === "host" ? phase === "committed" : phase === "awaitingCommitment") {
        throw new PairingStateError(`our SPAKE2 message requested in phase ${phase}`);
      }
      return message;
    },
    get direction() {
      return direction;
    },
    get phase() {
      return phase;
    },
    acceptCommitment(commitment) {
      if (role !== "join" || phase !== "awaitingCommitment") {
        throw new PairingStateError(`acceptCommitment called by the ${role} in phase ${phase}`);
      }
      phase = "failed"; // until it succeeds
      peerCommitment = abytes(commitment, "commitment", COMMITMENT_BYTES).slice();
      phase = "sent";
    },
    receive(peerMessage) {
      const expected = role === "host" ? "committed" : "sent";
      if (phase !== expected) throw new PairingStateError(`receive called in phase ${phase}`);
      phase = "failed"; // until it succeeds; a refused message burns the attempt
      try {
        if (peerCommitment !== undefined) {
          abytes(peerMessage, "peer message");
          const opened = commitmentHash(peerMessage);
          const ok = ctEqual(opened, peerCommitment);
          if (!ok) throw new CommitmentMismatchError("the revealed SPAKE2 message does not match its commitment");
        }
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
