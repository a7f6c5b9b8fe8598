/**
 * The runtime's own wire bodies, and the Schemas that decode them when they arrive
 * (docs/architecture.md "Bodies"). Binary with lib0 encoders; a decoder first reads the bytes
 * into a plain value (any lib0 failure is a decode error), then an Effect Schema checks shape
 * and bounds. Nothing from a peer reaches the CRDT or the crypto before both steps pass.
 *
 *   pairing envelope (unsealed, nameplate mailbox):  u8 version=1 | varUint kind (1 pake, 2 confirm) | varUint8Array bytes
 *   signal envelope (sealed with sealSignal):         u8 version=1 | varUint kind (1 transport) | varUint8Array bytes
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
]);
export type PairingEnvelope = typeof PairingEnvelope.Type;
const decodePairing = Schema.decodeUnknownResult(PairingEnvelope);
const PAIRING_KINDS = { pake: 1, confirm: 2 } as const;

export function encodePairingEnvelope(m: PairingEnvelope): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeUint8(e, ENVELOPE_VERSION);
  encoding.writeVarUint(e, PAIRING_KINDS[m.kind]);
  encoding.writeVarUint8Array(e, m.bytes);
  return encoding.toUint8Array(e);
}

export function decodePairingEnvelope(bytes: Uint8Array): PairingEnvelope {
  const raw = readEnvelope(bytes, (k) => (k === 1 ? "pake" : k === 2 ? "confirm" : undefined), PairingMessageError);
  const r = decodePairing(raw);
  if (Result.isFailure(r)) throw new PairingMessageError(`pairing message rejected: ${r.failure.message}`);
  return r.success;
}

// ---- signal envelope (inside sealSignal) --------------------------------------------------

const SignalEnvelope = Schema.Struct({
  kind: Schema.Literal("transport"),
  bytes: Schema.Uint8Array.check(Schema.isMaxLength(60 * 1024)),
});
export type SignalEnvelope = typeof SignalEnvelope.Type;
const decodeSignal = Schema.decodeUnknownResult(SignalEnvelope);

export function encodeSignalEnvelope(m: SignalEnvelope): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeUint8(e, ENVELOPE_VERSION);
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint8Array(e, m.bytes);
  return encoding.toUint8Array(e);
}

export function decodeSignalEnvelope(bytes: Uint8Array): SignalEnvelope {
  const raw = readEnvelope(bytes, (k) => (k === 1 ? "transport" : undefined), SignalDecodeError);
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

/** Writes parts into one body; `parts` are already bounded by the coalescer. */
export function encodeBody(parts: readonly BodyPart[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, parts.length);
  for (const p of parts) {
    if (p.t === "whole") {
      encoding.writeVarUint(e, 0);
    } else if (p.t === "request") {
      encoding.writeVarUint(e, 2);
    } else {
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, p.id);
      encoding.writeVarUint(e, p.index);
      encoding.writeVarUint(e, p.total);
    }
    encoding.writeVarUint8Array(e, p.bytes);
  }
  return encoding.toUint8Array(e);
}

/** Bytes a part adds to a body (for the coalescer's size bound). */
export function partOverhead(): number {
  return 1 + 5 + 5 + 5 + 5; // tag + id + index + total + length, varUints at most 5 bytes each here
}

export function decodeBody(bytes: Uint8Array): readonly BodyPart[] {
  let raw: unknown[];
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
      } else throw new FrameBodyError(`unknown part tag ${tag}`);
    }
    if (d.pos !== bytes.length) throw new FrameBodyError("trailing bytes after the parts");
  } catch (e) {
    if (e instanceof FrameBodyError) throw e;
    throw new FrameBodyError("body is not decodable", { cause: e });
  }
  const r = decodeBodySchema(raw);
  if (Result.isFailure(r)) throw new FrameBodyError(`body rejected: ${r.failure.message}`);
  return r.success;
}

// ---- BYE, PING/PONG, ROTATE ----------------------------------------------------------------

const END_REASONS = ["user", "inactivity", "expired", "wrongCode", "pairingTimeout", "peerGone", "peerEnded", "error"] as const;
const ByeBody = Schema.Literals(END_REASONS);
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
