/**
 * How two devices find each other, as every rendezvous (relay, LAN, memory) spells it
 * (docs/protocol.md §1, §8, docs/relay.md "Wire protocol"): the nameplate a pairing code starts
 * with, the private mailbox id both derive after pairing, the two sides of a mailbox, and the
 * proof of the pairing's keys a mailbox hello carries.
 */

/** Nameplates are decimal numbers without leading zeros, at most 9 digits. */
export const NAMEPLATE = /^[1-9][0-9]{0,8}$/;

/** A 128-bit mailbox id: exactly 32 lowercase hex characters. */
export const MAILBOX_ID = /^[0-9a-f]{32}$/;

export const isNameplate = (value: unknown): value is string => typeof value === "string" && NAMEPLATE.test(value);

export const isMailboxId = (value: unknown): value is string => typeof value === "string" && MAILBOX_ID.test(value);

/** The two ends of a mailbox: the device that hosted the nameplate and the one that joined. */
export type Side = "host" | "join";

export const SIDES: readonly Side[] = ["host", "join"];

export const otherSide = (side: Side): Side => (side === "host" ? "join" : "host");

/** Bytes of a mailbox hello nonce (docs/protocol.md §8). */
export const HELLO_NONCE_BYTES = 16;

/**
 * Proves, on a private mailbox, that this end holds the pairing's keys (docs/protocol.md §8:
 * HMAC-SHA256 under k_hello, derived from root_0). Made by the secure channel, which keeps the
 * key; a signaling adapter only asks for proofs and checks them.
 */
export interface MailboxAuth {
  /** Proof of `side` over the mailbox's 16-byte box tag and the two 16-byte nonces (32 bytes). */
  prove(side: Side, box: Uint8Array, joinNonce: Uint8Array, hostNonce: Uint8Array): Uint8Array;
  /** Constant-time check of a proof of `side`; false for anything else (wrong length included). */
  verify(side: Side, box: Uint8Array, joinNonce: Uint8Array, hostNonce: Uint8Array, proof: Uint8Array): boolean;
}
