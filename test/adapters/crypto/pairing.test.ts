/**
 * The pairing handshake: same code -> confirmed on both sides with equal SAS and working frames;
 * different codes -> WrongCodeError on both sides; every secret buffer zeroed by wipe().
 * Commit-then-reveal (docs/protocol.md §3): the host's message is out only after the joiner's is
 * in, the joiner's only after the commitment; a reveal that breaks its commitment is refused
 * before anything is computed from it.
 */
import { describe, expect, it } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { createKeyStore } from "../../../src/adapters/crypto/key-store.js";
import { createPairingHandshake } from "../../../src/adapters/crypto/pairing.js";
import { createSecureChannel } from "../../../src/adapters/crypto/secure-channel.js";
import { nobleAead } from "../../../src/adapters/crypto/aead.js";
import { FrameType } from "../../../src/adapters/crypto/frame.js";
import { errName, seededRandom } from "./helpers.js";
import { WrongCodeError } from "../../../src/adapters/crypto/errors.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { exchange, handshakes, pairedChannels } from "./pairing-helpers.js";
import { commitmentHash } from "../../../src/adapters/crypto/key-schedule.js";
import { utf8 } from "../../../src/adapters/crypto/bytes.js";


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
    const [tagA, tagB] = exchange(A, B);
    expect(errName(() => A.hs.confirm(tagB))).toBe("WrongCodeError");
    expect(errName(() => B.hs.confirm(tagA))).toBe("WrongCodeError");
    expect(errName(() => A.hs.confirm(tagB))).toBe("PairingStateError");
    expect(errName(() => A.hs.sas())).toBe("PairingStateError");
    expect(errName(() => createSecureChannel({ keyStore: A.store, aead: nobleAead }))).toBe("PairingStateError");
    expect(A.store.secretBuffers()).toHaveLength(0); // K and confirmation keys released at once
  });

  it("a wrong-length or altered tag is a WrongCodeError", () => {
    const [A, B] = handshakes("1-adroitness-aardvark", "1-adroitness-aardvark", 9);
    const [, tagB] = exchange(A, B);
    const bad = Uint8Array.from(tagB);
    bad[0]! ^= 1;
    expect(errName(() => A.hs.confirm(bad))).toBe("WrongCodeError");
    const [C, D] = handshakes("1-adroitness-aardvark", "1-adroitness-aardvark", 10);
    D.hs.acceptCommitment(C.hs.commitment);
    C.hs.receive(D.hs.message);
    expect(errName(() => C.hs.confirm(new Uint8Array(31)))).toBe("WrongCodeError");
  });

  it("steps out of order throw PairingStateError; a bad SPAKE2 message burns the attempt", () => {
    const store = createKeyStore();
    const make = () => createPairingHandshake({ role: "join", password: utf8("1-adroitness-aardvark"), keyStore: store, random: seededRandom(5) });
    const twin = make(); // same code and entropy: the same message, read after any commitment
    twin.acceptCommitment(new Uint8Array(32));
    const hs = make();
    hs.acceptCommitment(commitmentHash(twin.message)); // a "host" that committed to our own message
    expect(errName(() => hs.confirm(new Uint8Array(32)))).toBe("PairingStateError");
    expect(errName(() => hs.receive(hs.message))).toBe("Spake2ReflectionError");
    expect(errName(() => hs.receive(new Uint8Array(33)))).toBe("PairingStateError");
  });

  it("the code's bytes are taken over: the caller's array is zeroed, the store lets them go once SPAKE2 has started", () => {
    const store = createKeyStore();
    const password = new TextEncoder().encode("7-crossover-clockwork");
    const hs = createPairingHandshake({ role: "host", password, keyStore: store });
    expect(password.every((x) => x === 0)).toBe(true);
    expect(store.secretBuffers()).toEqual([]); // the code's copy and the scalar's entropy are released
    const other = createPairingHandshake({ role: "join", password: new TextEncoder().encode("7-crossover-clockwork"), keyStore: createKeyStore() });
    other.acceptCommitment(hs.commitment);
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

describe("commit-then-reveal", () => {
  const CODE = "7-crossover-clockwork";

  it("the commitment is SHA256(\"lethe/v1 commit\" || msg_host) and the joiner's receive checks it", () => {
    const [A, B] = handshakes(CODE, CODE, 21);
    const c = A.hs.commitment;
    expect(c).toHaveLength(32);
    B.hs.acceptCommitment(c);
    A.hs.receive(B.hs.message);
    expect(Array.from(commitmentHash(A.hs.message))).toEqual(Array.from(c));
    expect(Array.from(c)).toEqual(Array.from(sha256(Uint8Array.from([...utf8("lethe/v1 commit"), ...A.hs.message]))));
    expect(A.hs.phase).toBe("received");
  });

  it("order is enforced: the joiner's message before the commitment, the host's before the joiner's, are PairingStateError", () => {
    const [A, B] = handshakes(CODE, CODE, 22);
    expect(A.hs.phase).toBe("committed");
    expect(B.hs.phase).toBe("awaitingCommitment");
    expect(errName(() => A.hs.message)).toBe("PairingStateError"); // no reveal before the joiner's message
    expect(errName(() => B.hs.message)).toBe("PairingStateError"); // no joiner message before the commitment
    expect(errName(() => B.hs.commitment)).toBe("PairingStateError"); // only the host commits
    expect(errName(() => A.hs.acceptCommitment(new Uint8Array(32)))).toBe("PairingStateError");
    // a joiner cannot take a message before a commitment (nothing to check it against)
    const [C, D] = handshakes(CODE, CODE, 23);
    expect(errName(() => D.hs.receive(new Uint8Array(33)))).toBe("PairingStateError");
    expect(errName(() => D.hs.message)).toBe("PairingStateError"); // still nothing to send
    expect(D.hs.phase).toBe("awaitingCommitment"); // the exchange (not the crypto state) burns the code
    D.hs.acceptCommitment(C.hs.commitment);
    expect(errName(() => C.hs.confirm(new Uint8Array(32)))).toBe("PairingStateError"); // no tag before the joiner's message
    // a second commitment is refused
    B.hs.acceptCommitment(A.hs.commitment);
    expect(errName(() => B.hs.acceptCommitment(A.hs.commitment))).toBe("PairingStateError");
    expect(errName(() => B.hs.acceptCommitment(new Uint8Array(31)))).toBe("PairingStateError");
  });

  it("a reveal that does not match the commitment: CommitmentMismatchError (a WrongCodeError), burned, nothing derived", () => {
    const [A, B] = handshakes(CODE, CODE, 24);
    B.hs.acceptCommitment(A.hs.commitment);
    A.hs.receive(B.hs.message);
    // Mallory swaps in a message of her own (same code, valid point) after seeing B's
    const mallory = createPairingHandshake({ role: "host", password: utf8(CODE), keyStore: createKeyStore() });
    mallory.receive(B.hs.message);
    let err: unknown;
    try {
      B.hs.receive(mallory.message);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WrongCodeError);
    expect((err as Error).name).toBe("CommitmentMismatchError");
    expect((err as Error).message).not.toMatch(/[0-9a-f]{16}/); // public, and no bytes at all
    expect(B.hs.phase).toBe("failed");
    expect(B.store.secretBuffers()).toEqual([]); // no SPAKE2 key, no confirmation keys
    expect(errName(() => B.hs.receive(A.hs.message))).toBe("PairingStateError"); // the real one is too late
    expect(errName(() => B.hs.sas())).toBe("PairingStateError");
  });

  test.prop([fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 7 })], { numRuns: 16 })(
    "any single bit flipped in the reveal or the commitment is refused as a mismatch",
    (seed, byte, bit) => {
      const [A, B] = handshakes(CODE, CODE, seed);
      const commitment = A.hs.commitment.slice();
      const flipCommit = byte < 32 && seed % 2 === 0;
      if (flipCommit) commitment[byte]! ^= 1 << bit;
      B.hs.acceptCommitment(commitment);
      A.hs.receive(B.hs.message);
      const reveal = A.hs.message.slice();
      if (!flipCommit) reveal[byte]! ^= 1 << bit;
      expect(errName(() => B.hs.receive(reveal))).toBe("CommitmentMismatchError");
    },
  );
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
      const [tagA, tagB] = exchange(A, B);
      expect(errName(() => A.hs.confirm(tagB))).toBe("WrongCodeError");
      expect(errName(() => B.hs.confirm(tagA))).toBe("WrongCodeError");
    },
  );
});
