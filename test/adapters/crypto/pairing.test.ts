/**
 * The pairing handshake: same code -> confirmed on both sides with equal SAS and working frames;
 * different codes -> WrongCodeError on both sides; every secret buffer zeroed by wipe().
 */
import { describe, expect, it } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { createKeyStore } from "../../../src/adapters/crypto/key-store.js";
import { createPairingHandshake } from "../../../src/adapters/crypto/pairing.js";
import { createSecureChannel } from "../../../src/adapters/crypto/secure-channel.js";
import { nobleAead } from "../../../src/adapters/crypto/aead.js";
import { FrameType } from "../../../src/adapters/crypto/frame.js";
import { errName } from "./helpers.js";
import { handshakes, pairedChannels } from "./pairing-helpers.js";


describe("pairing handshake", () => {
  it("same code: both confirm, SAS words agree, directions are opposite, mailbox ids agree", () => {
    const { a, b, sas } = pairedChannels({ seed: 3 });
    expect(sas[0]).toEqual(sas[1]);
    expect(sas[0]).toHaveLength(4);
    expect(new Set([a.direction, b.direction])).toEqual(new Set(["lo", "hi"]));
    expect(a.mailboxId).toMatch(/^[0-9a-f]{32}$/);
    expect(a.mailboxId).toBe(b.mailboxId);
    const f = a.seal(FrameType.SYNC, new Uint8Array([1, 2, 3]));
    expect(Array.from(b.open(f).payload)).toEqual([1, 2, 3]);
  });

  it("different codes: WrongCodeError on both sides, no pairing installed, code burned", () => {
    const [A, B] = handshakes("7-crossover-clockwork", "7-crossover-clockworm", 5);
    const tagA = A.hs.receive(B.hs.message);
    const tagB = B.hs.receive(A.hs.message);
    expect(errName(() => A.hs.confirm(tagB))).toBe("WrongCodeError");
    expect(errName(() => B.hs.confirm(tagA))).toBe("WrongCodeError");
    expect(errName(() => A.hs.confirm(tagB))).toBe("PairingStateError");
    expect(errName(() => A.hs.sas())).toBe("PairingStateError");
    expect(errName(() => createSecureChannel({ keyStore: A.store, aead: nobleAead }))).toBe("PairingStateError");
    expect(A.store.secretBuffers()).toHaveLength(0); // K and confirmation keys released at once
  });

  it("a wrong-length or altered tag is a WrongCodeError", () => {
    const [A, B] = handshakes("1-adroitness-aardvark", "1-adroitness-aardvark", 9);
    A.hs.receive(B.hs.message);
    const tagB = B.hs.receive(A.hs.message);
    const bad = Uint8Array.from(tagB);
    bad[0]! ^= 1;
    expect(errName(() => A.hs.confirm(bad))).toBe("WrongCodeError");
    const [C, D] = handshakes("1-adroitness-aardvark", "1-adroitness-aardvark", 10);
    C.hs.receive(D.hs.message);
    expect(errName(() => C.hs.confirm(new Uint8Array(31)))).toBe("WrongCodeError");
  });

  it("steps out of order throw PairingStateError; a bad SPAKE2 message burns the attempt", () => {
    const store = createKeyStore();
    const hs = createPairingHandshake({ password: new TextEncoder().encode("1-adroitness-aardvark"), keyStore: store });
    expect(errName(() => hs.confirm(new Uint8Array(32)))).toBe("PairingStateError");
    expect(errName(() => hs.receive(hs.message))).toBe("Spake2ReflectionError");
    expect(errName(() => hs.receive(new Uint8Array(33)))).toBe("PairingStateError");
  });

  it("the code's bytes are taken over: the caller's array is zeroed, the store lets them go once SPAKE2 has started", () => {
    const store = createKeyStore();
    const password = new TextEncoder().encode("7-crossover-clockwork");
    const hs = createPairingHandshake({ password, keyStore: store });
    expect(password.every((x) => x === 0)).toBe(true);
    expect(store.secretBuffers()).toEqual([]); // the code's copy and the scalar's entropy are released
    const other = createPairingHandshake({ password: new TextEncoder().encode("7-crossover-clockwork"), keyStore: createKeyStore() });
    hs.receive(other.message);
    expect(store.census()).toEqual({ "spake2-key": 1, "confirm-key": 2 }); // kc_lo and kc_hi: two buffers, no views
  });

  it("wipe() zeroes every secret buffer the test holds", () => {
    const { a, storeA, storeB } = pairedChannels({ seed: 11 });
    a.seal(FrameType.SYNC, new Uint8Array(10));
    const held = [...storeA.secretBuffers(), ...storeB.secretBuffers()];
    expect(held.length).toBeGreaterThanOrEqual(10);
    expect(held.every((b) => b.some((x) => x !== 0))).toBe(true);
    expect(storeA.census()).toMatchObject({ root: 1, "traffic-send": 1, "traffic-receive": 1, "signal-send": 1, "signal-receive": 1 });
    a.wipe();
    storeB.wipe();
    expect(held.every((b) => b.every((x) => x === 0))).toBe(true);
    expect(storeA.wiped && storeB.wiped).toBe(true);
    expect(errName(() => a.seal(FrameType.SYNC, new Uint8Array(1)))).toBe("KeyStoreWipedError");
    expect(errName(() => storeA.alloc("x", 32))).toBe("KeyStoreWipedError");
  });
});

describe("properties", () => {
  test.prop([fc.integer({ min: 1, max: 1e9 })], { numRuns: 12 })("same code always confirms with equal SAS", (seed) => {
    const { sas } = pairedChannels({ seed });
    expect(sas[0]).toEqual(sas[1]);
  });
  test.prop([fc.integer({ min: 1, max: 1e9 }), fc.uint8Array({ minLength: 2, maxLength: 2 }), fc.uint8Array({ minLength: 2, maxLength: 2 })], { numRuns: 12 })(
    "different codes never confirm",
    (seed, x, y) => {
      fc.pre(x[0] !== y[0] || x[1] !== y[1]);
      const [A, B] = handshakes(`9-${x[0]}-${x[1]}`, `9-${y[0]}-${y[1]}`, seed);
      const tagA = A.hs.receive(B.hs.message);
      const tagB = B.hs.receive(A.hs.message);
      expect(errName(() => A.hs.confirm(tagB))).toBe("WrongCodeError");
      expect(errName(() => B.hs.confirm(tagA))).toBe("WrongCodeError");
    },
  );
});
