/**
 * Error classes of the crypto adapter. One class per failure, each with a stable `name` that
 * tests and host apps match on. Messages carry public data only (lengths, epochs, sequence
 * numbers, side bytes): never key bytes, never a password.
 */
import { LetheError } from "../../errors.js";

/** Base of every crypto failure. */
export class CryptoError extends LetheError {
  override readonly name: string = "CryptoError";
}

// ---- SPAKE2 (rejected inbound messages and misuse) ----------------------------------------

/** Base of SPAKE2 failures: the inbound message was refused before any key was derived. */
export class Spake2Error extends CryptoError {
  override readonly name: string = "Spake2Error";
}
/** The inbound message is not exactly 33 bytes. */
export class Spake2WrongLengthError extends Spake2Error {
  override readonly name: string = "Spake2WrongLengthError";
}
/** The inbound side byte is not the one this side accepts (A<->B, S<->S). */
export class Spake2BadSideError extends Spake2Error {
  override readonly name: string = "Spake2BadSideError";
}
/** The 32 bytes after the side byte are not a canonical edwards25519 point. */
export class Spake2InvalidPointError extends Spake2Error {
  override readonly name: string = "Spake2InvalidPointError";
}
/** The point is the identity, of small order, or not in the prime-order subgroup. */
export class Spake2WeakPointError extends Spake2Error {
  override readonly name: string = "Spake2WeakPointError";
}
/** A symmetric side received its own message back. */
export class Spake2ReflectionError extends Spake2Error {
  override readonly name: string = "Spake2ReflectionError";
}
/** `finish` was called a second time (a SPAKE2 state is single-use). */
export class Spake2FinishedError extends Spake2Error {
  override readonly name: string = "Spake2FinishedError";
}

// ---- pairing -------------------------------------------------------------------------------

/** Key confirmation failed: the two sides used different codes (or someone guessed wrong). */
export class WrongCodeError extends CryptoError {
  override readonly name: string = "WrongCodeError";
}
/**
 * The host's revealed SPAKE2 message does not hash to the commitment it sent first
 * (docs/protocol.md §3). Refused before anything is computed from it; to the person it is a
 * wrong code (a failed attempt that burns the code), hence the subclass.
 */
export class CommitmentMismatchError extends WrongCodeError {
  override readonly name: string = "CommitmentMismatchError";
}
/** A pairing handshake step was called out of order or after it ended. */
export class PairingStateError extends CryptoError {
  override readonly name: string = "PairingStateError";
}

// ---- pairing codes -------------------------------------------------------------------------

/** The code text is not `<nameplate>-<word>-<word>[...]`. */
export class CodeFormatError extends CryptoError {
  override readonly name: string = "CodeFormatError";
}
/**
 * A word is not in the list for its position. The message names the word and the closest list
 * words, as a person needs them to fix a typo. The mistyped word may be close to a secret word:
 * hosts should show this error to the person and not log it.
 */
export class UnknownWordError extends CodeFormatError {
  override readonly name: string = "UnknownWordError";
  constructor(
    readonly word: string,
    readonly position: number,
    readonly suggestions: readonly string[],
    /** The word is a code word, but of the other list (it belongs one place earlier or later). */
    readonly otherPosition = false,
  ) {
    super(
      otherPosition
        ? `"${word}" cannot be word ${position}: it belongs at an ${position % 2 === 0 ? "odd" : "even"} position; a word ${position} is like ${suggestions.map((s) => `"${s}"`).join(", ")}`
        : `unknown word "${word}" at position ${position}; did you mean ${suggestions.map((s) => `"${s}"`).join(", ")}?`,
    );
  }
}
/**
 * Two valid code words typed in each other's place (word `position` and the next). The message
 * says so and gives the order they go in. Show it to the person; do not log it.
 */
export class SwappedWordsError extends UnknownWordError {
  override readonly name: string = "SwappedWordsError";
  constructor(
    word: string,
    readonly next: string,
    position: number,
  ) {
    super(word, position, [next], true);
    this.message = `words ${position} and ${position + 1} are swapped: "${next}" comes first, then "${word}"`;
  }
}

// ---- key store -----------------------------------------------------------------------------

/** The key store (or a channel on top of it) was wiped; its keys are gone. */
export class KeyStoreWipedError extends CryptoError {
  override readonly name: string = "KeyStoreWipedError";
}

// ---- AEAD and frames -----------------------------------------------------------------------

/** Base of every rejected inbound frame or signal blob. */
export class FrameError extends CryptoError {
  override readonly name: string = "FrameError";
}
/** Wrong version, unknown type, too short or too long. */
export class BadHeaderError extends FrameError {
  override readonly name: string = "BadHeaderError";
}
/** The frame's epoch has no receive key (never installed, or already expired and wiped). */
export class UnknownEpochError extends FrameError {
  override readonly name: string = "UnknownEpochError";
}
/** The sequence number was already accepted in this (epoch, direction). */
export class ReplayError extends FrameError {
  override readonly name: string = "ReplayError";
}
/** The sequence number is older than the sliding replay window. */
export class TooOldError extends FrameError {
  override readonly name: string = "TooOldError";
}
/** The AEAD tag did not verify: the frame was forged, altered or sealed under another key. */
export class AuthenticationError extends FrameError {
  override readonly name: string = "AuthenticationError";
}

// ---- rotation ------------------------------------------------------------------------------

/** A ROTATE / ROTATE_ACK body is malformed, for the wrong epoch, or arrives in the wrong state. */
export class RotationError extends CryptoError {
  override readonly name: string = "RotationError";
}
/** The sequence space of a key is exhausted (2^64 frames); rotate first. Practically unreachable. */
export class SequenceExhaustedError extends CryptoError {
  override readonly name: string = "SequenceExhaustedError";
}
