/**
 * The mDNS record Lethe advertises, and the validation every record we browse must pass.
 *
 * Service type `_lethe._tcp`. TXT holds exactly three public keys: `v` (protocol version),
 * `np` (nameplate) and `port` (the LAN signaling WebSocket port, repeated from SRV so a record
 * whose two ports disagree is caught). Nothing secret is ever advertised. The address is taken
 * from where the announcement came from (mDNS `referer`), since bonjour-service gives no A
 * records on loopback. A browsed record is hostile until checked: size-bounded raw TXT, decoded
 * by an effect Schema, version and nameplate format checked; failures are counted by reason.
 */
import { isIP } from "node:net";
import { Result, Schema } from "effect";

export const SERVICE_TYPE = "lethe";
export const PROTOCOL_VERSION = 1;
/** What is advertised: a nameplate, or a mailbox's public tag (`m` + 20 hex digits); anything else is refused. */
export const ADVERTISED_NAME = /^[A-Za-z0-9-]{1,32}$/;
/** Bound on the raw TXT record: ours is ~30 bytes, so 255 leaves room and refuses floods. */
export const MAX_TXT_BYTES = 255;

export type RejectReason = "malformed" | "version" | "oversized" | "duplicate" | "mismatch";

const Txt = Schema.Struct({
  v: Schema.String.check(Schema.isPattern(/^\d{1,3}$/)),
  np: Schema.String.check(Schema.isPattern(ADVERTISED_NAME)),
  port: Schema.String.check(Schema.isPattern(/^\d{1,5}$/)),
});
const decodeTxt = Schema.decodeUnknownResult(Txt);

export interface BrowsedService {
  readonly port?: unknown;
  readonly txt?: unknown;
  readonly rawTxt?: unknown;
  readonly referer?: { readonly address?: unknown };
  readonly fqdn?: unknown;
}

export interface ValidRecord {
  readonly version: number;
  readonly nameplate: string;
  readonly address: string;
  readonly port: number;
  readonly fqdn: string;
}

function rawTxtBytes(raw: unknown): number {
  if (raw instanceof Uint8Array) return raw.byteLength;
  if (Array.isArray(raw)) return raw.reduce<number>((n, b) => n + (b instanceof Uint8Array ? b.byteLength + 1 : 0), 0);
  return 0;
}

/** Check one browsed service; a string result is the reason it was refused. */
export function validateService(s: BrowsedService): ValidRecord | RejectReason {
  if (rawTxtBytes(s.rawTxt) > MAX_TXT_BYTES) return "oversized";
  const txt = decodeTxt(s.txt ?? {});
  if (Result.isFailure(txt)) {
    const v = (s.txt as { v?: unknown } | undefined)?.v;
    return typeof v === "string" && v !== String(PROTOCOL_VERSION) ? "version" : "malformed";
  }
  const { v, np, port } = txt.success;
  if (Number(v) !== PROTOCOL_VERSION) return "version";
  const p = Number(port);
  if (!(p >= 1 && p <= 65535) || s.port !== p) return "mismatch";
  const address = s.referer?.address;
  if (typeof address !== "string" || isIP(address) === 0) return "malformed";
  const fqdn = typeof s.fqdn === "string" ? s.fqdn : "";
  return { version: PROTOCOL_VERSION, nameplate: np, address, port: p, fqdn };
}
