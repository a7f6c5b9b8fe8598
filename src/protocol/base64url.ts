/**
 * base64url (RFC 4648 §5, no padding) for blobs inside JSON frames. Strict on decode: only the
 * alphabet, no padding, no impossible length, so a malformed blob is an error frame, not garbage.
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
  let bin = "";
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]!);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Decoded length of a valid base64url string of `chars` characters, or -1 if impossible. */
export function base64urlDecodedLength(chars: number): number {
  const rem = chars % 4;
  if (rem === 1) return -1;
  return Math.floor(chars / 4) * 3 + (rem === 0 ? 0 : rem - 1);
}

/** Returns undefined for anything that is not canonical base64url. */
export function decodeBase64url(text: string): Uint8Array | undefined {
  if (!ALPHABET.test(text) || base64urlDecodedLength(text.length) < 0) return undefined;
  if (NodeBuffer) {
    const buf = NodeBuffer.from(text, "base64url");
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
