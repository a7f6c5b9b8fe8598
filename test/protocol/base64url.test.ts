/**
 * base64url: what encode makes decodes back, and decode accepts only that — the canonical
 * encoding of some bytes — on both paths (Node's Buffer and the browsers' atob), which must
 * agree on every input.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { base64urlDecodedLength, decodeBase64url, decodePortable, decodeWithBuffer, encodeBase64url } from "../../src/protocol/base64url.js";

const viaBuffer = (t: string) => decodeWithBuffer(t, Buffer as never);
const decoders = { buffer: viaBuffer, portable: decodePortable, chosen: decodeBase64url };
const canonical = (t: string) => base64urlDecodedLength(t.length) >= 0 && /^[A-Za-z0-9_-]*$/.test(t) && Buffer.from(t, "base64url").toString("base64url") === t;

describe("base64url", () => {
  it("decodes what it encodes, on both paths", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const text = encodeBase64url(bytes);
        expect(text).toBe(Buffer.from(bytes).toString("base64url"));
        for (const decode of Object.values(decoders)) expect(decode(text)).toEqual(bytes);
      }),
    );
  });

  it("refuses padding, the other alphabet, stray characters, impossible lengths and non-zero pad bits", () => {
    for (const bad of ["AA==", "AAA=", "+/8", "a/b", "AB", "AAB", "A", "AAAAA", "AA AA", "AA\nAA", "AA*!", "ÀÀÀÀ"]) {
      expect(decodeBase64url(bad), bad).toBeUndefined();
      expect(decodePortable(bad), bad).toBeUndefined();
    }
    expect(decodeBase64url("")).toEqual(new Uint8Array(0));
    expect(decodeBase64url("AA")).toEqual(new Uint8Array([0]));
  });

  it("accepts exactly the canonical strings, and both paths agree", () => {
    const chars = fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/= *".split(""));
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 12 }).map((a) => a.join("")), (text) => {
        const ok = canonical(text);
        expect(decodeBase64url(text) !== undefined).toBe(ok);
        expect(decodePortable(text) !== undefined).toBe(ok);
      }),
      { numRuns: 2000 },
    );
  });
});
