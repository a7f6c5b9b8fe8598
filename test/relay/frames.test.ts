/**
 * The relay's shortcuts agree with the code they stand in for, on random and mutated inputs:
 * - decoding a client frame with the hand-checked fast path gives exactly what the effect
 *   Schemas alone give (the same frame, or the same refusal with the same reason and `r`);
 * - the hot server frames written as strings (src/relay/frames.ts) are byte for byte
 *   `encodeFrame`'s JSON;
 * - the `conn.close` log line written directly is byte for byte pino's line.
 */
import { fc, test } from "@fast-check/vitest";
import { pino } from "pino";
import { describe, expect } from "vitest";
import { decodeClientFrame, decodeClientFrameWithSchema, encodeFrame } from "../../src/protocol/relay-frames.js";
import { encodeBase64url } from "../../src/protocol/base64url.js";
import { blobFrame, hostedFrame, mailboxReplyFrame, peerFrame, replyFrame } from "../../src/relay/frames.js";
import { connCloseLine, PINO_OPTIONS } from "../../src/relay/log.js";

const hex = fc.stringMatching(/^[0-9a-f]{32}$/);
/** Mailbox ids, and strings that nearly are one (length, case, other characters). */
const mailboxish = fc.oneof(hex, hex.map((m) => m.toUpperCase()), hex.map((m) => m.slice(1)), hex.map((m) => `${m}0`), fc.stringMatching(/^[0-9a-g]{32}$/), fc.string());
const nameplateish = fc.oneof(fc.stringMatching(/^[1-9][0-9]{0,8}$/), fc.stringMatching(/^[0-9]{1,11}$/), fc.constantFrom("", "0", "01", "1234567890", " 7", "7\n", "٣"), fc.string());
/** Request ids, and numbers that nearly are one. */
const rish = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  fc.constantFrom(0, -0, 2 ** 31 - 1, 2 ** 31, -1, 1.5, 2 ** 53, 2 ** 53 + 2, 1e21, Number.MAX_VALUE, -Number.MIN_VALUE),
  fc.double(),
  fc.integer(),
);
const anyJson = fc.jsonValue({ maxDepth: 2 });
const sideish = fc.oneof(fc.constantFrom("host", "join"), fc.constantFrom("Host", "joiner", "", " host"), anyJson);
const b64ish = fc.oneof(fc.uint8Array({ maxLength: 64 }).map(encodeBase64url), fc.string(), anyJson);

/** Well-formed client frames of every type. */
const validFrame = fc.oneof(
  fc.record({ t: fc.constant("host"), r: rish }),
  fc.record({ t: fc.constant("join"), r: rish, nameplate: nameplateish }),
  fc.record({ t: fc.constant("open"), r: rish, m: mailboxish, side: sideish }),
  fc.record({ t: fc.constant("post"), r: rish, m: mailboxish, b: b64ish }),
  fc.record({ t: fc.constant("close"), r: rish, m: mailboxish }),
  fc.record({ t: fc.constantFrom("ping", "turn", "pong", "welcome", "", "POST", "toString", "__proto__"), r: rish }),
);

/** A frame with one field removed, replaced by any JSON value, or joined by an extra field. */
const mutated = fc
  .tuple(validFrame, fc.constantFrom("t", "r", "m", "b", "side", "nameplate", "x"), fc.oneof(anyJson, rish, mailboxish), fc.constantFrom("delete", "set", "keep"))
  .map(([frame, key, value, how]) => {
    const f: Record<string, unknown> = { ...frame };
    if (how === "delete") delete f[key];
    else if (how === "set") f[key] = value;
    return f;
  });

/** As a client would send it: JSON text, sometimes with its keys reordered or spaced out. */
const asText = (f: unknown, spaced: boolean, reversed: boolean) => {
  const value = reversed && f !== null && typeof f === "object" && !Array.isArray(f) ? Object.fromEntries(Object.entries(f).reverse()) : f;
  return JSON.stringify(value, null, spaced ? 1 : undefined) ?? "null";
};

describe("client frame decoding: the fast path agrees with the Schemas", () => {
  test.prop([fc.oneof(validFrame, mutated), fc.boolean(), fc.boolean()], { numRuns: 3000 })("on well-formed and mutated frames", (f, spaced, reversed) => {
    const text = asText(f, spaced, reversed);
    expect(decodeClientFrame(text)).toStrictEqual(decodeClientFrameWithSchema(text));
  });

  test.prop([fc.oneof(anyJson, fc.string(), fc.string().map((s) => `{"t":"post","r":1,"m":"${"a".repeat(32)}","b":"${s}"}`))], { numRuns: 1000 })(
    "on any JSON value and any text",
    (v) => {
      const text = typeof v === "string" ? v : JSON.stringify(v);
      expect(decodeClientFrame(text)).toStrictEqual(decodeClientFrameWithSchema(text));
    },
  );

  test.prop([fc.constantFrom("host", "join", "open", "post", "close", "ping", "turn")])("accepts the frames the relay sees every day (not only refusals)", (t) => {
    const m = "0123456789abcdef0123456789abcdef";
    const frame = { t, r: 7, m, side: "join", nameplate: "42", b: "AAEC", extra: true };
    const decoded = decodeClientFrame(JSON.stringify(frame));
    expect(decoded.ok).toBe(true);
    expect(decoded).toStrictEqual(decodeClientFrameWithSchema(JSON.stringify(frame)));
  });
});

describe("hot server frames are encodeFrame's bytes", () => {
  const anyR = fc.oneof(rish, fc.constantFrom(NaN, Infinity, -Infinity));
  const anyString = fc.oneof(fc.string(), fc.string({ unit: "binary" }), hex, fc.constantFrom('"', "\\", "\u2028", "\ud800", "\n"));

  test.prop([fc.constantFrom("ok" as const, "pong" as const), anyR])("ok, pong", (t, r) => {
    expect(replyFrame(t, r)).toBe(encodeFrame({ t, r }));
  });
  test.prop([fc.constantFrom("joined" as const, "opened" as const), anyR, anyString])("joined, opened", (t, r, m) => {
    expect(mailboxReplyFrame(t, r, m)).toBe(encodeFrame({ t, r, m }));
  });
  test.prop([anyR, anyString, anyString])("hosted", (r, nameplate, m) => {
    expect(hostedFrame(r, nameplate, m)).toBe(encodeFrame({ t: "hosted", r, nameplate, m }));
  });
  test.prop([anyString])("peer", (m) => {
    expect(peerFrame(m)).toBe(encodeFrame({ t: "peer", m }));
  });
  test.prop([anyString, fc.uint8Array({ maxLength: 2048 }), fc.nat(16)])("blob", (m, bytes, offset) => {
    // A view into a larger buffer too: only its own bytes are encoded.
    const view = new Uint8Array(offset + bytes.length + 3);
    view.set(bytes, offset);
    const blob = view.subarray(offset, offset + bytes.length);
    expect(blobFrame(m, blob)).toBe(encodeFrame({ t: "blob", m, b: encodeBase64url(blob) }));
    expect(encodeBase64url(blob)).toBe(Buffer.from(bytes).toString("base64url"));
  });
});

describe("the conn.close log line", () => {
  const count = fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.constantFrom(-0, NaN, Infinity));
  const ip = fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom("unknown", "::ffff:127.0.0.1"), fc.string());
  test.prop([fc.record({ conn: count, ip, code: count, framesIn: count, framesOut: count, bytesIn: count, bytesOut: count, ms: count, ts: count })], { numRuns: 500 })(
    "is pino's line, byte for byte",
    (fields) => {
      const event = { ev: "conn.close" as const, ...fields };
      const lines: string[] = [];
      pino(PINO_OPTIONS, { write: (line: string) => lines.push(line) }).info(event);
      expect(connCloseLine(event)).toBe(lines[0]);
    },
  );
});
