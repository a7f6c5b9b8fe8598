/**
 * The secure channel's proofs for the LAN mailbox hello (docs/protocol.md §8): both paired sides
 * compute the same proofs under k_hello; a proof is bound to its side label, the box and both
 * nonces; wrong lengths are refused; a wiped channel proves nothing.
 */
import { describe, expect, it } from "vitest";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { errName } from "./helpers.js";
import { pairedChannels } from "./pairing-helpers.js";

const bytes = (n: number, v: number) => new Uint8Array(n).fill(v);

describe("mailbox hello proofs", () => {
  it("the other side verifies; side, box and both nonces are bound; wrong lengths are false", () => {
    const { a, b } = pairedChannels({ seed: 41 });
    const box = bytes(16, 1);
    const nJ = bytes(16, 2);
    const nH = bytes(16, 3);
    const pH = a.mailboxAuth.prove("host", box, nJ, nH);
    expect(pH).toHaveLength(32);
    expect(b.mailboxAuth.verify("host", box, nJ, nH, pH)).toBe(true);
    expect(b.mailboxAuth.verify("join", box, nJ, nH, pH)).toBe(false); // labels differ: no oracle
    expect(b.mailboxAuth.verify("host", bytes(16, 9), nJ, nH, pH)).toBe(false);
    expect(b.mailboxAuth.verify("host", box, nH, nJ, pH)).toBe(false);
    expect(b.mailboxAuth.verify("host", box, nJ, bytes(16, 4), pH)).toBe(false);
    expect(b.mailboxAuth.verify("host", box, nJ, nH, pH.subarray(0, 31))).toBe(false);
    expect(() => a.mailboxAuth.prove("host", bytes(15, 1), nJ, nH)).toThrow(RangeError);
    expect(() => a.mailboxAuth.prove("peer" as "host", box, nJ, nH)).toThrow(RangeError);
  });

  it("is the spec's HMAC under k_hello = HKDF(root_0, \"lethe/v1 lan hello\")", () => {
    const { a, storeA } = pairedChannels({ seed: 42 });
    // root_0 is the store buffer from which the (public) mailbox id derives (§3).
    const utf8 = (t: string) => new TextEncoder().encode(t);
    const hexOf = (u: Uint8Array) => Buffer.from(u).toString("hex");
    const root = storeA.secretBuffers().find((k) => hexOf(hkdf(sha256, k, new Uint8Array(0), utf8("lethe/v1 mailbox"), 16)) === a.mailboxId)!;
    expect(root).toBeDefined();
    expect(storeA.census()).toMatchObject({ root: 1, "lan-hello": 1 });
    const kHello = hkdf(sha256, root, new Uint8Array(0), utf8("lethe/v1 lan hello"), 32);
    const box = bytes(16, 5);
    const nJ = bytes(16, 6);
    const nH = bytes(16, 7);
    const want = hmac(sha256, kHello, Uint8Array.from([...utf8("lethe/v1 lan hello join"), ...box, ...nJ, ...nH]));
    expect(hexOf(a.mailboxAuth.prove("join", box, nJ, nH))).toBe(hexOf(want));
  });

  it("a wiped channel proves and verifies nothing", () => {
    const { a } = pairedChannels({ seed: 43 });
    a.wipe();
    expect(errName(() => a.mailboxAuth.prove("host", bytes(16, 1), bytes(16, 2), bytes(16, 3)))).toBe("KeyStoreWipedError");
    expect(errName(() => a.mailboxAuth.verify("host", bytes(16, 1), bytes(16, 2), bytes(16, 3), bytes(32, 0)))).toBe("KeyStoreWipedError");
  });
});
