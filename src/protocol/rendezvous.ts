/**
 * How two devices find each other, as every rendezvous (relay, LAN, memory) spells it
 * (docs/protocol.md §1, docs/relay.md "Wire protocol"): the nameplate a pairing code starts with,
 * the private mailbox id both derive after pairing, and the two sides of a mailbox.
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
