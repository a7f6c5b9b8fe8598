/**
 * The WebRTC signal format shared by every WebRTC transport (werift in Node, the platform's
 * RTCPeerConnection in browsers), so a browser and a Node device can connect to each other.
 * Both adapters encode and decode with this one module.
 *
 * ICE is non-trickle: one offer and one answer, each carrying its SDP with every gathered
 * candidate, are the whole exchange. A signal is `JSON.stringify({ v: 1, type, sdp })` as UTF-8
 * (keys in that order). Inbound bytes are hostile until decoded: bounded in size, strict UTF-8,
 * JSON, then an effect Schema with excess keys refused (exactly v, type, sdp; version 1; a known
 * type; a non-empty SDP no longer than the byte bound). Any failure is a BadSignalError.
 * effect/Schema is already in the browser bundle through the runtime codec, so it costs little
 * there; import the subpaths (as the runtime does): the `effect` barrel defeats tree-shaking.
 */
import * as Result from "effect/Result";
import * as Schema from "effect/Schema";
import { BadSignalError } from "../types.js";

export const SIGNAL_VERSION = 1;
/** Default bound on one encoded signal; a LAN SDP with a handful of candidates is ~1.5 KB. */
export const DEFAULT_MAX_SIGNAL_BYTES = 16 * 1024;

export type SignalType = "offer" | "answer";

export interface WebRtcSignal {
  readonly v: typeof SIGNAL_VERSION;
  readonly type: SignalType;
  readonly sdp: string;
}

const makeSchema = (maxBytes: number) =>
  Schema.Struct({
    v: Schema.Literal(SIGNAL_VERSION),
    type: Schema.Literals(["offer", "answer"]),
    sdp: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(maxBytes)),
  });

const encoder = new TextEncoder();

export function encodeSignal(signal: WebRtcSignal): Uint8Array {
  return encoder.encode(JSON.stringify({ v: signal.v, type: signal.type, sdp: signal.sdp }));
}

/** A decoder bound to one size limit; build once per transport. */
export function signalDecoder(maxBytes: number = DEFAULT_MAX_SIGNAL_BYTES): (bytes: unknown) => WebRtcSignal {
  const decode = Schema.decodeUnknownResult(makeSchema(maxBytes));
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
    const result = decode(json, { onExcessProperty: "error" });
    if (Result.isFailure(result)) throw new BadSignalError(`signal rejected: ${result.failure.message}`);
    // A fresh object with exactly the three fields, whatever the Schema hands back.
    const { v, type, sdp } = result.success;
    return { v, type, sdp };
  };
}
