/**
 * The relay's hot outgoing frames, written as strings directly: byte for byte what
 * `encodeFrame` (JSON.stringify) makes of the same frame object, without building the object
 * or walking it (test/relay/frames.test.ts compares the two on random inputs). Strings are
 * quoted with JSON.stringify, so any value is encoded exactly as before; numbers as JSON
 * writes them. A blob frame base64url-encodes its bytes itself, so its `b` (alphabet
 * `A–Z a–z 0–9 - _`, nothing to escape) is concatenated as it is: a 1 KiB blob is not scanned
 * a second time for characters to escape. Rarer frames (errors, bye, closed, turn, welcome)
 * go through `encodeFrame`.
 */
import { encodeBase64url } from "../protocol/base64url.js";

/**
 * A number as JSON.stringify writes it (request ids are integers; NaN/±Infinity become null).
 * Also what pino writes, so the relay's own `conn.close` log line uses it (log.ts).
 */
export const jsonNumber = (n: number): string => (Number.isFinite(n) ? `${n}` : "null");
const num = jsonNumber;
const str = (s: string) => JSON.stringify(s);

/** `{"t":T,"r":R}`, for the replies that carry only the request id (`ok`, `pong`). */
export const replyFrame = (t: "ok" | "pong", r: number) => `{"t":"${t}","r":${num(r)}}`;
/** `{"t":T,"r":R,"m":M}`, for `joined` and `opened`. */
export const mailboxReplyFrame = (t: "joined" | "opened", r: number, m: string) => `{"t":"${t}","r":${num(r)},"m":${str(m)}}`;
export const hostedFrame = (r: number, nameplate: string, m: string) => `{"t":"hosted","r":${num(r)},"nameplate":${str(nameplate)},"m":${str(m)}}`;
export const peerFrame = (m: string) => `{"t":"peer","m":${str(m)}}`;
export const blobFrame = (m: string, blob: Uint8Array) => `{"t":"blob","m":${str(m)},"b":"${encodeBase64url(blob)}"}`;
