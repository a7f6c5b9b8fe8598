/**
 * `lethe-sync/crypto` — the crypto adapter's universal entry (browser-safe: no `node:*`).
 * Node hosts import `lethe-sync/crypto/node` (src/adapters/crypto/node.ts), which re-exports all
 * of this plus `nodeAead` and a `defaultAead()` that returns it.
 *
 * Public API (docs/protocol.md is the byte-exact spec):
 *
 * SPAKE2 (crate/python-spake2 compatible, Ed25519):
 *   startSymmetric(password, identity, random?) / startA(password, idA, idB, random?) /
 *   startB(...) -> Spake2 { message; finish(inbound) -> key(32) }     errors: Spake2*Error
 * Pairing codes:
 *   generateCode({ nameplate, words?, random? }) -> "7-crossover-clockwork"
 *   parseCode(text) -> { nameplate, password: Uint8Array }            errors: CodeFormatError, UnknownWordError,
 *                                                                     SwappedWordsError
 *   completeCode(text, { words? }) -> candidate texts ("7 cros" -> ["7-crossover-"])
 *   ODD_WORDS / EVEN_WORDS: the PGP lists (word 1, 3, … from ODD_WORDS; 2, 4, … from EVEN_WORDS)
 * Keys:
 *   createKeyStore() -> KeyStore { wiped; alloc; adopt; release; wipe(); secretBuffers(); census() }
 *   createPairingHandshake({ role: "host" | "join", password, identity?, keyStore, random? })
 *     -> { role; commitment (host); acceptCommitment(c) (join); message; direction;
 *          receive(peerMessage) -> ourTag; confirm(peerTag); sas() }
 *        commit-then-reveal: the host sends `commitment`, the joiner `message` after
 *        acceptCommitment, the host `message` after receive. The joiner's receive throws
 *        CommitmentMismatchError (a WrongCodeError) if the reveal does not match; confirm throws
 *        WrongCodeError (name "WrongCodeError") on a mismatch.
 * Frames:
 *   createSecureChannel({ keyStore, aead, replayWindowSize?, maxFrameBytes?, random? })
 *     -> { direction; sendEpoch; epoch; receiveEpochs; rotationPending; mailboxId; wiped;
 *          seal(type, payload); open(frame) -> { type, epoch, seq, payload };
 *          startRotation() -> ROTATE body; handleRotate(body) -> ROTATE_ACK body | null;
 *          handleRotateAck(body) -> new epoch; expireEpoch(epoch);
 *          sealSignal(blob); openSignal(sealed); rejections(); wipe() }
 *     open errors: BadHeaderError, UnknownEpochError, ReplayError, TooOldError, AuthenticationError
 *     (all extend FrameError). The responder's sendEpoch switches when it seals the ROTATE_ACK.
 *     open() returns seq as a bigint; on the wire it is a u64, always < 2^53 (docs/protocol.md §5).
 *     Frames must be delivered in order (a frame at e+1 overtaking the ROTATE_ACK is UnknownEpochError).
 * AEAD: interface Aead { name; seal; open; sealInto?; openFrom? }, nobleAead, defaultAead().
 * Key agreement (the ratchet's X25519): interface KeyAgreement { name; generate(keyStore, random?) },
 *   nobleX25519, defaultKeyAgreement().
 *   Picking per platform: the browser entry of the runtime imports the defaults from here (noble);
 *   the Node entry imports them from `lethe-sync/crypto/node` (src/adapters/crypto/node.ts), where
 *   they return nodeAead (node:crypto, 5–31× faster) and nodeX25519 (private keys stay in
 *   OpenSSL). Same names, split by file, no `if`.
 * Memory: every secret lives in an off-heap KeyStore buffer (docs/threat-model.md).
 */
export { startA, startB, startSymmetric, passwordToScalar, SPAKE2_MESSAGE_BYTES, SPAKE2_KEY_BYTES } from "./spake2.js";
export type { Spake2, RandomSource } from "./spake2.js";
export { generateCode, parseCode, completeCode, DEFAULT_CODE_WORDS, MAX_CODE_WORDS } from "./code.js";
export type { CompleteCodeOptions, GenerateCodeOptions, ParsedCode } from "./code.js";
export { EVEN_WORDS, ODD_WORDS } from "./words.js";
export { createKeyStore } from "./key-store.js";
export type { KeyStore } from "./key-store.js";
export { createPairingHandshake, DEFAULT_IDENTITY, SAS_WORDS, CONFIRMATION_TAG_BYTES } from "./pairing.js";
export type { HandshakePhase, PairingHandshake, PairingHandshakeOptions, PairingRole } from "./pairing.js";
export { COMMITMENT_BYTES } from "./key-schedule.js";
export { createSecureChannel, ROTATE_BODY_BYTES, MAX_SIGNAL_BYTES } from "./secure-channel.js";
export type { OpenedFrame, SecureChannel, SecureChannelOptions } from "./secure-channel.js";
export { FrameType, FRAME_HEADER_BYTES, FRAME_TAG_BYTES, FRAME_VERSION, DEFAULT_MAX_FRAME_BYTES, SEAL_INTO_MIN_PAYLOAD_BYTES } from "./frame.js";
export { DEFAULT_REPLAY_WINDOW } from "./replay-window.js";
export type { Direction } from "./key-schedule.js";
export { nobleAead, defaultAead, AEAD_KEY_BYTES, AEAD_NONCE_BYTES, AEAD_TAG_BYTES } from "./aead.js";
export type { Aead } from "./aead.js";
export { nobleX25519, defaultKeyAgreement } from "./key-agreement.js";
export type { EphemeralKey, KeyAgreement } from "./key-agreement.js";
export * from "./errors.js";
