/**
 * The LAN signaling wire: one WebSocket per pair of devices, hosted by the hosting device.
 *
 * The joiner's first frame is a text hello. For a nameplate, `{"v":1,"kind":"join","nameplate":"17"}`,
 * answered `{"v":1,"ok":true}`. For a private mailbox, the challenge–response of
 * docs/protocol.md §8: `{"v":1,"kind":"mailbox","box":<32 hex>,"nonce":<32 hex>}`, the host's
 * `{"v":1,"challenge":<32 hex>,"proof":<64 hex>}`, the joiner's `{"v":1,"proof":<64 hex>}`, then
 * ok. Refusals close with a code (4004 unknown, 4009 crowded, 4000 bad hello, 4001 bad proof).
 * After that every binary frame is
 * `type u8 | seq u32be | blob` (data, the blob carried verbatim and never parsed) or
 * `type u8 | seq u32be` (cumulative ack); unacknowledged blobs are resent on a new socket and
 * the receiver drops sequence numbers it already delivered. Text frames are refused. Control frames are bounded
 * and decoded by an effect Schema; binary frames are bounded by the socket's maxPayload.
 */
import { Result, Schema } from "effect";

export const LAN_VERSION = 1;
export const MAX_CONTROL_BYTES = 256;
export const CLOSE_BAD_HELLO = 4000;
export const CLOSE_BAD_PROOF = 4001;
export const CLOSE_UNKNOWN = 4004;
export const CLOSE_CROWDED = 4009;
export const CLOSE_BYE = 4010;

const Join = Schema.Struct({
  v: Schema.Literal(LAN_VERSION),
  kind: Schema.Literal("join"),
  nameplate: Schema.String.check(Schema.isPattern(/^[A-Za-z0-9-]{1,32}$/)),
});
const Hex16 = Schema.String.check(Schema.isPattern(/^[0-9a-f]{32}$/));
const Hex32 = Schema.String.check(Schema.isPattern(/^[0-9a-f]{64}$/));
const Box = Schema.Struct({
  v: Schema.Literal(LAN_VERSION),
  kind: Schema.Literal("mailbox"),
  box: Hex16,
  nonce: Hex16,
});
const Hello = Schema.Union([Join, Box]);
const Ok = Schema.Struct({ v: Schema.Literal(LAN_VERSION), ok: Schema.Literal(true) });
const Challenge = Schema.Struct({ v: Schema.Literal(LAN_VERSION), challenge: Hex16, proof: Hex32 });
const Proof = Schema.Struct({ v: Schema.Literal(LAN_VERSION), proof: Hex32 });

export type HelloFrame = typeof Hello.Type;
export type ChallengeFrame = typeof Challenge.Type;
export type ProofFrame = typeof Proof.Type;

const decodeHello = Schema.decodeUnknownResult(Hello);
const decodeOk = Schema.decodeUnknownResult(Ok);
const decodeChallenge = Schema.decodeUnknownResult(Challenge);
const decodeProof = Schema.decodeUnknownResult(Proof);

function parseControl(data: unknown): unknown {
  const text = typeof data === "string" ? data : data instanceof Buffer ? data.toString("utf8") : undefined;
  if (text === undefined || text.length > MAX_CONTROL_BYTES) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function readHello(data: unknown): HelloFrame | undefined {
  const r = decodeHello(parseControl(data), { onExcessProperty: "error" });
  return Result.isSuccess(r) ? r.success : undefined;
}

export function readOk(data: unknown): boolean {
  return Result.isSuccess(decodeOk(parseControl(data), { onExcessProperty: "error" }));
}

export function readChallenge(data: unknown): ChallengeFrame | undefined {
  const r = decodeChallenge(parseControl(data), { onExcessProperty: "error" });
  return Result.isSuccess(r) ? r.success : undefined;
}

export function readProof(data: unknown): ProofFrame | undefined {
  const r = decodeProof(parseControl(data), { onExcessProperty: "error" });
  return Result.isSuccess(r) ? r.success : undefined;
}

export const okFrame = (): string => JSON.stringify({ v: LAN_VERSION, ok: true });
export const helloFrame = (h: HelloFrame): string => JSON.stringify(h);
export const challengeFrame = (challenge: string, proof: string): string => JSON.stringify({ v: LAN_VERSION, challenge, proof });
export const proofFrame = (proof: string): string => JSON.stringify({ v: LAN_VERSION, proof });
