/**
 * The WebRTC signal format shared by every WebRTC transport (werift in Node, the platform's
 * RTCPeerConnection in browsers), so a browser and a Node device can connect to each other.
 *
 * ICE is non-trickle: one offer and one answer, each carrying its SDP with every gathered
 * candidate, are the whole exchange. A signal is `JSON.stringify({ v: 1, type, sdp })` as UTF-8
 * (keys in that order). It is the same format werift's adapter writes (src/adapters/werift/signal.ts);
 * test/browser/signal-codec.test.ts checks the two agree byte for byte and on what they reject.
 *
 * The decoder is hand-written guards with no dependency, so it is cheap in a browser bundle:
 * bounded size, strict UTF-8, JSON, exactly the three keys, version 1, a known type, a
 * non-empty SDP no longer than the byte bound. Any failure is a BadSignalError.
 */
import { BadSignalError } from "./types.js";

export const SIGNAL_VERSION = 1;
/** Default bound on one encoded signal; a LAN SDP with a handful of candidates is ~1.5 KB. */
export const DEFAULT_MAX_SIGNAL_BYTES = 16 * 1024;

export type SignalType = "offer" | "answer";

export interface WebRtcSignal {
  readonly v: typeof SIGNAL_VERSION;
  readonly type: SignalType;
  readonly sdp: string;
}

const encoder = new TextEncoder();

export function encodeSignal(signal: WebRtcSignal): Uint8Array {
  return encoder.encode(JSON.stringify({ v: signal.v, type: signal.type, sdp: signal.sdp }));
}

const KEYS = ["sdp", "type", "v"];

/** A decoder bound to one size limit; build once per transport. */
export function signalDecoder(maxBytes: number = DEFAULT_MAX_SIGNAL_BYTES): (bytes: unknown) => WebRtcSignal {
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  return (bytes) => {
    if (!(bytes instanceof Uint8Array)) throw new BadSignalError("signal is not a byte array");
    if (bytes.byteLength > maxBytes) {
      throw new BadSignalError(`signal of ${bytes.byteLength} bytes exceeds the ${maxBytes}-byte limit`);
    }
    let json: unknown;
    try {
      json = JSON.parse(utf8.decode(bytes));
    } catch (cause) {
      throw new BadSignalError("signal is not UTF-8 JSON", { cause });
    }
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      throw new BadSignalError("signal is not a JSON object");
    }
    const keys = Object.keys(json).sort();
    if (keys.length !== KEYS.length || keys.some((k, i) => k !== KEYS[i])) {
      throw new BadSignalError("signal must have exactly the keys v, type, sdp");
    }
    const { v, type, sdp } = json as Record<string, unknown>;
    if (v !== SIGNAL_VERSION) throw new BadSignalError("unknown signal version");
    if (type !== "offer" && type !== "answer") throw new BadSignalError("signal type must be offer or answer");
    if (typeof sdp !== "string" || sdp.length < 1 || sdp.length > maxBytes) {
      throw new BadSignalError("signal sdp must be a non-empty string within the size limit");
    }
    return { v: SIGNAL_VERSION, type, sdp };
  };
}
