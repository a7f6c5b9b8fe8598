/**
 * The runtime's own wire bodies, and the Schemas that decode them when they arrive
 * (docs/architecture.md "Bodies"). Binary with lib0 encoders; a decoder first reads the bytes
 * into a plain value (any lib0 failure is a decode error), then an Effect Schema checks shape
 * and bounds. Nothing from a peer reaches the CRDT or the crypto before both steps pass.
 *
 *   pairing envelope (unsealed, nameplate mailbox):  u8 version=1 | varUint kind | varUint8Array bytes
 *       kind: 1 pake (33) | 2 confirm (32) | 3 commit (32, host first) | 4 abort (0: the reveal broke its commitment)
 *   signal envelope (sealed with sealSignal):         u8 version=1 | varUint kind (1 transport, 2 bye) | varUint8Array bytes
 *                                                     (a bye carries a BYE body: the end told through the mailbox)
 *   SYNC / AWARENESS body:                            varUint nParts | part*
 *       part = varUint 0 | varUint8Array message                          (a whole y-protocols message)
 *            | varUint 2 | varUint8Array message                          (a sync step 1 that asks for a round back)
 *            | varUint 1 | varUint msgId | varUint index | varUint total | varUint8Array chunk   (a fragment)
 *   BYE body:  varString reason          PING / PONG body: empty          ROTATE / ROTATE_ACK: crypto's 36 bytes
 *
 * Coalescing is this length-prefixed concatenation: never Y.mergeUpdates (seconds for
 * thousands of updates, perf-baselines §4).
 */
import * as encoding from "lib0/encoding";
import * as decoding from "lib0/decoding";
import * as Schema from "effect/Schema";
import * as Result from "effect/Result";
import type { EndReason } from "../machines/protocol.js";
import { FrameBodyError, PairingMessageError, SignalDecodeError } from "./errors.js";

export const ENVELOPE_VERSION = 1;
/** One reassembled y-protocols message may not exceed this (a 10k-entry doc is ~240 KB). */
export const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;
export const MAX_PARTS_PER_BODY = 65_536;
export const MAX_FRAGMENTS = 8_192;

// ---- pairing envelope -------------------------------------------------------------------

const PairingEnvelope = Schema.Union([
  Schema.Struct({ kind: Schema.Literal("pake"), bytes: Schema.Uint8Array.check(Schema.isBetweenLength(33, 33)) }),
  Schema.Struct({ kind: Schema.Literal("confirm"), bytes: Schema.Uint8Array.check(Schema.isBetweenLength(32, 32)) }),
  // The host's commitment to its SPAKE2 message, sent before the joiner's message exists.
  Schema.Struct({ kind: Schema.Literal("commit"), bytes: Schema.Uint8Array.check(Schema.isBetweenLength(32, 32)) }),
  // The joiner refused the reveal (it did not match the commitment): the host ends as for a wrong code.
  Schema.Struct({ kind: Schema.Literal("abort"), bytes: Schema.Uint8Array.check(Schema.isBetweenLength(0, 0)) }),
]);
export type PairingEnvelope = typeof PairingEnvelope.Type;
const decodePairing = Schema.decodeUnknownResult(PairingEnvelope);
const PAIRING_KINDS = { pake: 1, confirm: 2, commit: 3, abort: 4 } as const;
const PAIRING_KIND_NAMES = ["pake", "confirm", "commit", "abort"] as const;

export function encodePairingEnvelope(m: PairingEnvelope): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeUint8(e, ENVELOPE_VERSION);
  encoding.writeVarUint(e, PAIRING_KINDS[m.kind]);
  encoding.writeVarUint8Array(e, m.bytes);
  return encoding.toUint8Array(e);
}

export function decodePairingEnvelope(bytes: Uint8Array): PairingEnvelope {
  const raw = readEnvelope(bytes, (k) => PAIRING_KIND_NAMES[k - 1], PairingMessageError);
  const r = decodePairing(raw);
  if (Result.isFailure(r)) throw new PairingMessageError(`pairing message rejected: ${r.failure.message}`);
  return r.success;
}

// ---- signal envelope (inside sealSignal) --------------------------------------------------

const SignalEnvelope = Schema.Union([
  Schema.Struct({ kind: Schema.Literal("transport"), bytes: Schema.Uint8Array.check(Schema.isMaxLength(60 * 1024)) }),
  // The end of the session, told through the mailbox when no channel is open (a BYE body).
  Schema.Struct({ kind: Schema.Literal("bye"), bytes: Schema.Uint8Array.check(Schema.isMaxLength(64)) }),
]);
export type SignalEnvelope = typeof SignalEnvelope.Type;
const decodeSignal = Schema.decodeUnknownResult(SignalEnvelope);
const SIGNAL_KINDS = { transport: 1, bye: 2 } as const;

export function encodeSignalEnvelope(m: SignalEnvelope): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeUint8(e, ENVELOPE_VERSION);
  encoding.writeVarUint(e, SIGNAL_KINDS[m.kind]);
  encoding.writeVarUint8Array(e, m.bytes);
  return encoding.toUint8Array(e);
}

export function decodeSignalEnvelope(bytes: Uint8Array): SignalEnvelope {
  const raw = readEnvelope(bytes, (k) => (k === 1 ? "transport" : k === 2 ? "bye" : undefined), SignalDecodeError);
  const r = decodeSignal(raw);
  if (Result.isFailure(r)) throw new SignalDecodeError(`signal rejected: ${r.failure.message}`);
  return r.success;
}

function readEnvelope(
  bytes: Uint8Array,
  kindOf: (k: number) => string | undefined,
  Err: new (m: string, o?: { cause?: unknown }) => Error,
): unknown {
  try {
    const d = decoding.createDecoder(bytes);
    const version = decoding.readUint8(d);
    if (version !== ENVELOPE_VERSION) throw new Err(`unknown envelope version ${version}`);
    const kind = kindOf(decoding.readVarUint(d));
    const body = decoding.readVarUint8Array(d);
    if (d.pos !== bytes.length) throw new Err("trailing bytes after an envelope");
    return { kind, bytes: body };
  } catch (e) {
    if (e instanceof Err) throw e;
    throw new Err("envelope is not decodable", { cause: e });
  }
}

// ---- SYNC / AWARENESS bodies ---------------------------------------------------------------

const Whole = Schema.Struct({ t: Schema.Literal("whole"), bytes: Schema.Uint8Array });
const Request = Schema.Struct({ t: Schema.Literal("request"), bytes: Schema.Uint8Array });
const Fragment = Schema.Struct({
  t: Schema.Literal("frag"),
  id: Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 0, maximum: 2 ** 32 })),
  total: Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 2, maximum: MAX_FRAGMENTS })),
  index: Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 0, maximum: MAX_FRAGMENTS - 1 })),
  bytes: Schema.Uint8Array,
});
const Body = Schema.Array(Schema.Union([Whole, Request, Fragment])).check(Schema.isMinLength(1), Schema.isMaxLength(MAX_PARTS_PER_BODY));
export type BodyPart = (typeof Body.Type)[number];
const decodeBodySchema = Schema.decodeUnknownResult(Body);

/** Bytes of `n` as a lib0 varUint. */
function varUintBytes(n: number): number {
  let b = 1;
  while (n > 0x7f) {
    n = Math.floor(n / 128);
    b++;
  }
  return b;
}

/** Writes `n` as a lib0 varUint at `pos`; returns the next position. */
function putVarUint(out: Uint8Array, pos: number, n: number): number {
  while (n > 0x7f) {
    out[pos++] = 0x80 | (n & 0x7f);
    n = Math.floor(n / 128);
  }
  out[pos++] = n;
  return pos;
}

/**
 * Writes parts into one body; `parts` are already bounded by the coalescer. The same bytes lib0's
 * encoder writes (varUint = 7 bits per byte, low first), but sized first and written once: a
 * growing lib0 encoder copies a 16 KiB body twice.
 */
export function encodeBody(parts: readonly BodyPart[]): Uint8Array {
  let size = varUintBytes(parts.length);
  for (const p of parts) {
    size += 1 + varUintBytes(p.bytes.length) + p.bytes.length;
    if (p.t === "frag") size += varUintBytes(p.id) + varUintBytes(p.index) + varUintBytes(p.total);
  }
  const out = new Uint8Array(size);
  let pos = putVarUint(out, 0, parts.length);
  for (const p of parts) {
    if (p.t === "whole") {
      out[pos++] = 0;
    } else if (p.t === "request") {
      out[pos++] = 2;
    } else {
      out[pos++] = 1;
      pos = putVarUint(out, pos, p.id);
      pos = putVarUint(out, pos, p.index);
      pos = putVarUint(out, pos, p.total);
    }
    pos = putVarUint(out, pos, p.bytes.length);
    out.set(p.bytes, pos);
    pos += p.bytes.length;
  }
  return out;
}

/** Bytes a part adds to a body at most (for the coalescer's size bound). */
export function partOverhead(): number {
  return 1 + 5 + 5 + 5 + 5; // tag + id + index + total + length, varUints at most 5 bytes each here
}

/**
 * Exact bytes a whole/request part of `length` bytes adds besides its message: the tag and
 * the varUint length. (Counting the 21-byte worst case for every ~35-byte update made 16 KiB
 * bodies come out at ~11 KiB.)
 */
export function wholeOverhead(length: number): number {
  return 1 + (length < 0x80 ? 1 : length < 0x4000 ? 2 : length < 0x200000 ? 3 : length < 0x10000000 ? 4 : 5);
}

/** Bytes of a body's part count (varUint of at most MAX_PARTS_PER_BODY). */
export const BODY_HEADER_BYTES = 3;

export function decodeBody(bytes: Uint8Array): readonly BodyPart[] {
  let raw: BodyPart[];
  let fragments = false;
  try {
    const d = decoding.createDecoder(bytes);
    const n = decoding.readVarUint(d);
    if (n > MAX_PARTS_PER_BODY) throw new FrameBodyError(`body claims ${n} parts`);
    raw = [];
    for (let i = 0; i < n; i++) {
      const tag = decoding.readVarUint(d);
      if (tag === 0) raw.push({ t: "whole", bytes: decoding.readVarUint8Array(d) });
      else if (tag === 2) raw.push({ t: "request", bytes: decoding.readVarUint8Array(d) });
      else if (tag === 1) {
        const id = decoding.readVarUint(d);
        const index = decoding.readVarUint(d);
        const total = decoding.readVarUint(d);
        raw.push({ t: "frag", id, index, total, bytes: decoding.readVarUint8Array(d) });
        fragments = true;
      } else throw new FrameBodyError(`unknown part tag ${tag}`);
    }
    if (d.pos !== bytes.length) throw new FrameBodyError("trailing bytes after the parts");
  } catch (e) {
    if (e instanceof FrameBodyError) throw e;
    throw new FrameBodyError("body is not decodable", { cause: e });
  }
  // Whole and request parts carry nothing the Schema could refuse once lib0 has read them (a
  // literal tag we set, bytes from readVarUint8Array), so a body of only those needs just the
  // part-count bound; fragments (numbers from the peer) and empty bodies go through the Schema.
  // Hot path: one body per frame, and a lone Schema run was ~2.5% of the set->observe CPU.
  if (!fragments && raw.length >= 1) return raw;
  const r = decodeBodySchema(raw);
  if (Result.isFailure(r)) throw new FrameBodyError(`body rejected: ${r.failure.message}`);
  return r.success;
}

// ---- BYE, PING/PONG, ROTATE ----------------------------------------------------------------

// Every EndReason, once: the Record type makes a reason added to EndReason a compile error here
// until it is listed (a reason missing from this list made the peer's BYE undecodable, so the
// peer ended with `error` instead of `peerEnded`).
const END_REASONS: Record<EndReason, true> = {
  user: true, inactivity: true, expired: true, wrongCode: true, pairingTimeout: true,
  peerGone: true, peerEnded: true, verificationRejected: true, error: true,
};
const ByeBody = Schema.Literals(Object.keys(END_REASONS) as EndReason[]);
const decodeBye = Schema.decodeUnknownResult(ByeBody);

export function encodeBye(reason: EndReason): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, reason);
  return encoding.toUint8Array(e);
}

export function decodeByeBody(bytes: Uint8Array): EndReason {
  let raw: string;
  try {
    if (bytes.length > 64) throw new FrameBodyError("BYE body too long");
    const d = decoding.createDecoder(bytes);
    raw = decoding.readVarString(d);
    if (d.pos !== bytes.length) throw new FrameBodyError("trailing bytes after BYE");
  } catch (e) {
    if (e instanceof FrameBodyError) throw e;
    throw new FrameBodyError("BYE body is not decodable", { cause: e });
  }
  const r = decodeBye(raw);
  if (Result.isFailure(r)) throw new FrameBodyError("BYE carries an unknown reason");
  return r.success;
}

const Empty = Schema.Uint8Array.check(Schema.isMaxLength(0));
const decodeEmpty = Schema.decodeUnknownResult(Empty);
export function checkEmptyBody(bytes: Uint8Array, what: string): void {
  if (Result.isFailure(decodeEmpty(bytes))) throw new FrameBodyError(`${what} body must be empty`);
}

const RotateBody = Schema.Uint8Array.check(Schema.isBetweenLength(36, 36));
const decodeRotate = Schema.decodeUnknownResult(RotateBody);
/** Shape check of a ROTATE/ROTATE_ACK body; returns the epoch it names (crypto checks the rest). */
export function checkRotateBody(bytes: Uint8Array): number {
  if (Result.isFailure(decodeRotate(bytes))) throw new FrameBodyError("ROTATE body must be 36 bytes");
  return ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
}
