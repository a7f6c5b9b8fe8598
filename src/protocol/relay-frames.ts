/**
 * The relay wire protocol (docs/relay.md "Wire protocol" is the spec; this file transcribes it).
 * Every WebSocket message is one UTF-8 JSON object in a text frame. Blobs travel as base64url
 * strings in the `b` field and are never looked into. Client frames are decoded by effect
 * Schemas dispatched on `t`, so an unknown type and a bad field each get a precise reason; the
 * well-formed frames a relay sees all day are recognised by a hand-written check first, which
 * accepts exactly what the Schemas accept (anything else goes to the Schemas, for the reason).
 * The client adapter decodes server frames the same way: the relay is untrusted input too.
 */
import * as Result from "effect/Result";
import * as Schema from "effect/Schema";
import { MAILBOX_ID, NAMEPLATE, SIDES } from "./rendezvous.js";


const RequestId = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 2 ** 31 - 1 }));
const MailboxId = Schema.String.check(Schema.isPattern(MAILBOX_ID));
const Nameplate = Schema.String.check(Schema.isPattern(NAMEPLATE));
const SideSchema = Schema.Literals(SIDES);
/** Length is bounded by the frame size limit; its decoded size is checked against maxBlobBytes. */
const Blob64 = Schema.String;

const clientSchemas = {
  host: Schema.Struct({ t: Schema.Literal("host"), r: RequestId }),
  join: Schema.Struct({ t: Schema.Literal("join"), r: RequestId, nameplate: Nameplate }),
  open: Schema.Struct({ t: Schema.Literal("open"), r: RequestId, m: MailboxId, side: SideSchema }),
  post: Schema.Struct({ t: Schema.Literal("post"), r: RequestId, m: MailboxId, b: Blob64 }),
  close: Schema.Struct({ t: Schema.Literal("close"), r: RequestId, m: MailboxId }),
  ping: Schema.Struct({ t: Schema.Literal("ping"), r: RequestId }),
  turn: Schema.Struct({ t: Schema.Literal("turn"), r: RequestId }),
} as const;

export type ClientFrame = { [K in keyof typeof clientSchemas]: (typeof clientSchemas)[K]["Type"] }[keyof typeof clientSchemas];

export const ERROR_CODES = [
  "bad_frame",
  "too_large",
  "rate_limited",
  "claim_rate_limited",
  "join_rate_limited",
  "mailbox_rate_limited",
  "held_bytes_limited",
  "relay_full",
  "not_found",
  "crowded",
  "not_open",
  "mailbox_full",
  "too_many_nameplates",
  "too_many_mailboxes",
  "no_nameplates",
  "no_turn",
  "shutting_down",
  "internal",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const CLOSE_REASONS = ["shutdown", "idle", "error_budget", "too_many_connections", "replaced", "nameplate_expired", "slow_consumer"] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

const LimitsInfo = Schema.Struct({
  maxBlobBytes: Schema.Int,
  idleTimeoutMs: Schema.Int,
  messagesPerSecond: Schema.Number,
});

const serverSchemas = {
  welcome: Schema.Struct({ t: Schema.Literal("welcome"), v: Schema.Int, limits: LimitsInfo }),
  hosted: Schema.Struct({ t: Schema.Literal("hosted"), r: RequestId, nameplate: Nameplate, m: MailboxId }),
  joined: Schema.Struct({ t: Schema.Literal("joined"), r: RequestId, m: MailboxId }),
  opened: Schema.Struct({ t: Schema.Literal("opened"), r: RequestId, m: MailboxId }),
  ok: Schema.Struct({ t: Schema.Literal("ok"), r: RequestId }),
  pong: Schema.Struct({ t: Schema.Literal("pong"), r: RequestId }),
  peer: Schema.Struct({ t: Schema.Literal("peer"), m: MailboxId }),
  blob: Schema.Struct({ t: Schema.Literal("blob"), m: MailboxId, b: Blob64 }),
  closed: Schema.Struct({ t: Schema.Literal("closed"), m: MailboxId, reason: Schema.Literals(CLOSE_REASONS) }),
  error: Schema.Struct({
    t: Schema.Literal("error"),
    r: Schema.NullOr(RequestId),
    code: Schema.Literals(ERROR_CODES),
    message: Schema.String,
  }),
  bye: Schema.Struct({ t: Schema.Literal("bye"), reason: Schema.Literals(CLOSE_REASONS) }),
  /** Short-lived TURN credentials (TURN REST API: username `expiry:id`, credential = HMAC). */
  turn: Schema.Struct({
    t: Schema.Literal("turn"),
    r: RequestId,
    urls: Schema.Array(Schema.String),
    username: Schema.String,
    credential: Schema.String,
    ttl: Schema.Int,
  }),
} as const;

export type ServerFrame = { [K in keyof typeof serverSchemas]: (typeof serverSchemas)[K]["Type"] }[keyof typeof serverSchemas];

type Decoded<T> = { ok: true; frame: T } | { ok: false; reason: string; r: number | null };

/**
 * The client frames a relay sees all day, checked by hand: the frame the Schema would decode,
 * or undefined to let the Schema decide (and word the refusal). It accepts only what the Schema
 * accepts and returns what the Schema returns (the declared fields, extra ones dropped);
 * test/relay/frames.test.ts holds the two to that on random and mutated frames.
 */
function quickClientFrame(rec: Record<string, unknown>): ClientFrame | undefined {
  const r = rec["r"];
  // RequestId: Schema.Int is Number.isSafeInteger, then 0 ≤ r ≤ 2^31−1.
  if (typeof r !== "number" || !Number.isSafeInteger(r) || r < 0 || r > 2 ** 31 - 1) return undefined;
  switch (rec["t"]) {
    case "post": {
      const m = rec["m"];
      const b = rec["b"];
      return typeof m === "string" && typeof b === "string" && MAILBOX_ID.test(m) ? { t: "post", r, m, b } : undefined;
    }
    case "host":
      return { t: "host", r };
    case "join": {
      const nameplate = rec["nameplate"];
      return typeof nameplate === "string" && NAMEPLATE.test(nameplate) ? { t: "join", r, nameplate } : undefined;
    }
    case "open": {
      const m = rec["m"];
      const side = rec["side"];
      return typeof m === "string" && (side === "host" || side === "join") && MAILBOX_ID.test(m) ? { t: "open", r, m, side } : undefined;
    }
    case "close": {
      const m = rec["m"];
      return typeof m === "string" && MAILBOX_ID.test(m) ? { t: "close", r, m } : undefined;
    }
    case "ping":
      return { t: "ping", r };
    case "turn":
      return { t: "turn", r };
    default:
      return undefined;
  }
}

function makeDecoder<M extends Record<string, Schema.Top>>(schemas: M, quick?: (rec: Record<string, unknown>) => M[keyof M]["Type"] | undefined) {
  const decoders = new Map<string, (u: unknown) => Result.Result<unknown, Schema.SchemaError>>();
  for (const [k, s] of Object.entries(schemas)) decoders.set(k, Schema.decodeUnknownResult(s as never) as never);
  return (text: string): Decoded<M[keyof M]["Type"]> => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { ok: false, reason: "frame is not JSON", r: null };
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return { ok: false, reason: "frame is not a JSON object", r: null };
    }
    const rec = value as Record<string, unknown>;
    const fast = quick?.(rec);
    if (fast !== undefined) return { ok: true, frame: fast };
    const r = typeof rec["r"] === "number" && Number.isInteger(rec["r"]) && rec["r"] >= 0 && rec["r"] < 2 ** 31 ? rec["r"] : null;
    const t = rec["t"];
    const decode = typeof t === "string" ? decoders.get(t) : undefined;
    if (!decode) return { ok: false, reason: typeof t === "string" ? "unknown frame type" : "missing frame type `t`", r };
    const res = decode(value);
    if (Result.isFailure(res)) return { ok: false, reason: res.failure.message.replace(/\s+/g, " ").slice(0, 200), r };
    return { ok: true, frame: res.success as M[keyof M]["Type"] };
  };
}

/** Decode one client text frame. The caller has already bounded its size. */
export const decodeClientFrame: (text: string) => Decoded<ClientFrame> = makeDecoder(clientSchemas, quickClientFrame);
/** The same decode with the Schemas alone (no hand-checked path): what the fast path is tested against. */
export const decodeClientFrameWithSchema: (text: string) => Decoded<ClientFrame> = makeDecoder(clientSchemas);
/** Decode one server text frame (used by the client adapter). */
export const decodeServerFrame: (text: string) => Decoded<ServerFrame> = makeDecoder(serverSchemas);

export function encodeFrame(frame: ServerFrame | ClientFrame): string {
  return JSON.stringify(frame);
}
