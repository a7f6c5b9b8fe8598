/**
 * The werift adapter's signal format: what travels (opaque to everyone else, sealed by the
 * runtime) on the `SignalPipe` while a channel is being set up.
 *
 * ICE is non-trickle: werift's `setLocalDescription` waits for gathering, so one offer and one
 * answer, each carrying its SDP with every candidate, are the whole exchange. A signal is
 * `JSON.stringify({ v: 1, type, sdp })` as UTF-8. Inbound bytes are hostile until decoded:
 * bounded in size, strict UTF-8, JSON, then an effect Schema; any failure is a BadSignalError.
 */
import { Result, Schema } from "effect";
import { BadSignalError } from "../transport/types.js";

export const SIGNAL_VERSION = 1;
/** Default bound on one encoded signal; a LAN SDP with a handful of candidates is ~1.5 KB. */
export const DEFAULT_MAX_SIGNAL_BYTES = 16 * 1024;

export type SignalType = "offer" | "answer";

export interface WeriftSignal {
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

export function encodeSignal(signal: WeriftSignal): Uint8Array {
  return encoder.encode(JSON.stringify({ v: signal.v, type: signal.type, sdp: signal.sdp }));
}

/** A decoder bound to one size limit; build once per transport. */
export function signalDecoder(maxBytes: number = DEFAULT_MAX_SIGNAL_BYTES): (bytes: unknown) => WeriftSignal {
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
    return result.success;
  };
}
