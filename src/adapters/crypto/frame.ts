/**
 * Frame header codec (docs/protocol.md §5). Transcribes:
 *
 *   frame  = version u8 | type u8 | epoch u32 | seq u64 | ciphertext | tag(16)
 *   nonce  = 00 00 00 00 || seq (u64 big-endian)
 *   aad    = the 14 header bytes
 *
 * Decoding is bounded: a frame shorter than header+tag or longer than the limit is refused
 * before any crypto runs.
 */
import { readU32, readU64n, writeU32, writeU64n } from "./bytes.js";
import { BadHeaderError } from "./errors.js";

export const FRAME_VERSION = 1;
export const FRAME_HEADER_BYTES = 14;
export const FRAME_TAG_BYTES = 16;
/**
 * From this payload size a sender that hands each frame to a transport at once seals it into a
 * reused buffer (`seal`'s `output`) rather than fresh memory. A fresh frame is cut from the
 * channel's 64 KiB arena: nearly free for small frames (hundreds share one ArrayBuffer), ~10% of
 * a 16 KiB frame's seal+open on node:crypto (one ArrayBuffer per three frames); below this size
 * the reused buffer measured no better (bench workload 1).
 */
export const SEAL_INTO_MIN_PAYLOAD_BYTES = 8 * 1024;
/** Default upper bound on a whole frame (header + ciphertext + tag). */
export const DEFAULT_MAX_FRAME_BYTES = 1 << 20;

/** Frame types (u8 on the wire). Unknown values are a BadHeaderError. */
export const FrameType = {
  SYNC: 1,
  AWARENESS: 2,
  ROTATE: 3,
  ROTATE_ACK: 4,
  PING: 5,
  PONG: 6,
  BYE: 7,
  /** Strict verification: the person confirmed the words on the sending device (empty body). */
  VERIFIED: 8,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

const KNOWN_TYPES: ReadonlySet<number> = new Set(Object.values(FrameType));
export const isFrameType = (t: number): t is FrameType => KNOWN_TYPES.has(t);

export interface FrameHeader {
  readonly type: FrameType;
  readonly epoch: number;
  /** Sequence number; Lethe never sends 2^53 or more, and refuses such headers. */
  readonly seq: number;
}

/** Largest sequence number a sender uses (2^53 − 1; a session never gets near it). */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER;

/** Writes the header into `out[0..14)`. */
export function writeHeader(out: Uint8Array, type: FrameType, epoch: number, seq: number): void {
  out[0] = FRAME_VERSION;
  out[1] = type;
  writeU32(out, 2, epoch);
  writeU64n(out, 6, seq);
}

/** Decodes and bounds-checks a frame header; throws BadHeaderError. */
export function readHeader(frame: Uint8Array, maxFrameBytes: number): FrameHeader {
  if (!(frame instanceof Uint8Array)) throw new BadHeaderError("frame is not bytes");
  if (frame.length < FRAME_HEADER_BYTES + FRAME_TAG_BYTES) {
    throw new BadHeaderError(`frame too short: ${frame.length} bytes`);
  }
  if (frame.length > maxFrameBytes) throw new BadHeaderError(`frame too long: ${frame.length} > ${maxFrameBytes} bytes`);
  const version = frame[0] as number;
  if (version !== FRAME_VERSION) throw new BadHeaderError(`unsupported frame version ${version}`);
  const type = frame[1] as number;
  if (!isFrameType(type)) throw new BadHeaderError(`unknown frame type ${type}`);
  const seq = readU64n(frame, 6);
  if (seq < 0) throw new BadHeaderError("sequence number out of range");
  return { type, epoch: readU32(frame, 2), seq };
}

/**
 * The 12-byte GCM nonce for a sequence number, written into `out` (a channel reuses one: a fresh
 * 12-byte array handed to node:crypto is copied off the V8 heap first, ~1 µs per frame).
 */
export function nonceFor(seq: number, out: Uint8Array): Uint8Array {
  out[0] = out[1] = out[2] = out[3] = 0;
  writeU64n(out, 4, seq);
  return out;
}
