/**
 * Secure channel: frames (round trip, typed refusals, replay window), the rotation ratchet
 * (both directions, collisions, grace and expiry, forward-secrecy zeroing), signaling seal, and
 * the fast-check properties from issue 2 (and the replay window against a plain model).
 */
import { describe, expect, it } from "vitest";
import { nobleX25519 } from "../../../src/adapters/crypto/key-agreement.js";
import { nodeX25519 } from "../../../src/adapters/crypto/key-agreement-node.js";
import { fc, test } from "@fast-check/vitest";
import { nobleAead } from "../../../src/adapters/crypto/aead.js";
import { nodeAead } from "../../../src/adapters/crypto/aead-node.js";
import { FRAME_HEADER_BYTES, FrameType } from "../../../src/adapters/crypto/frame.js";
import type { SecureChannel } from "../../../src/adapters/crypto/secure-channel.js";
import { ReplayWindow } from "../../../src/adapters/crypto/replay-window.js";
import { errName } from "./helpers.js";
import { pairedChannels, rotate } from "./pairing-helpers.js";

const bytes = (...xs: number[]) => Uint8Array.from(xs);

describe("frames", () => {
  it("header layout: version | type | epoch u32 | seq u64, then ciphertext and tag", () => {
    const { a } = pairedChannels({ seed: 21 });
    a.seal(FrameType.SYNC, bytes(9));
    const f = a.seal(FrameType.AWARENESS, bytes(1, 2, 3, 4, 5));
    expect(f.length).toBe(FRAME_HEADER_BYTES + 5 + 16);
    expect(Array.from(f.subarray(0, 14))).toEqual([1, FrameType.AWARENESS, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it("each frame type round-trips, across backends in both directions", () => {
    const { a, b } = pairedChannels({ seed: 22, aeadA: nobleAead, aeadB: nodeAead });
    for (const t of Object.values(FrameType)) {
      const p = bytes(t, 7, 7);
      const ob = b.open(a.seal(t, p));
      expect(ob.type).toBe(t);
      expect(Array.from(ob.payload)).toEqual(Array.from(p));
      expect(Array.from(a.open(b.seal(t, p)).payload)).toEqual(Array.from(p));
    }
  });

  it("frames share an arena yet stay independent: plain Uint8Arrays, slice() copies, each opens on its own", () => {
    const { a, b } = pairedChannels({ seed: 23, aeadA: nodeAead, aeadB: nobleAead });
    const sizes = [0, 1, 15, 16, 17, 100, 1000, 4000, 16_000, 17_000, 60_000];
    const payloads = sizes.map((size) => new Uint8Array(size).fill(size & 0xff));
    const frames = payloads.map((p) => a.seal(FrameType.SYNC, p));
    for (const [i, frame] of frames.entries()) {
      expect(Object.getPrototypeOf(frame)).toBe(Uint8Array.prototype);
      expect(frame.length).toBe(FRAME_HEADER_BYTES + sizes[i]! + 16);
      const copy = frame.slice();
      copy[copy.length - 1]! ^= 1; // a transport that corrupts its copy leaves the frame intact
      expect(b.open(frame).payload).toEqual(payloads[i]);
    }
  });

  it("typed refusals: bad header, unknown epoch, replay, too old, authentication", () => {
    const { a, b } = pairedChannels({ seed: 23, replayWindowSize: 64 });
    const f0 = a.seal(FrameType.SYNC, bytes(1));
    expect(b.open(f0).seq).toBe(0n);
    expect(errName(() => b.open(f0))).toBe("ReplayError");
    const v = Uint8Array.from(f0);
    v[0] = 2;
    expect(errName(() => b.open(v))).toBe("BadHeaderError");
    const t = Uint8Array.from(f0);
    t[1] = 99;
    expect(errName(() => b.open(t))).toBe("BadHeaderError");
    expect(errName(() => b.open(new Uint8Array(29)))).toBe("BadHeaderError");
    expect(errName(() => b.open(new Uint8Array(2 << 20)))).toBe("BadHeaderError");
    const big = Uint8Array.from(f0);
    big[6] = 0x00;
    big[7] = 0x20; // seq = 2^53: never sent by Lethe, refused before the window or the AEAD
    expect(errName(() => b.open(big))).toBe("BadHeaderError");
    const e = Uint8Array.from(f0);
    e[5] = 3;
    expect(errName(() => b.open(e))).toBe("UnknownEpochError");
    const frames = Array.from({ length: 70 }, () => a.seal(FrameType.SYNC, bytes(2)));
    b.open(frames[69]!);
    expect(errName(() => b.open(frames[1]!))).toBe("TooOldError"); // seq 2, highest 70, window 64
    expect(b.open(frames[10]!).seq).toBe(11n); // inside the window, out of order: fine
    const forged = Uint8Array.from(frames[20]!);
    forged[forged.length - 1]! ^= 0x80;
    expect(errName(() => b.open(forged))).toBe("AuthenticationError");
    expect(b.open(frames[20]!).seq).toBe(21n); // the forgery did not burn the seq
    expect(b.rejections()).toMatchObject({ ReplayError: 1, BadHeaderError: 5, UnknownEpochError: 1, TooOldError: 1, AuthenticationError: 1 });
    // a frame sealed by c cannot be opened by c itself (direction keys differ)
    const { a: c } = pairedChannels({ seed: 25 });
    expect(errName(() => c.open(c.seal(FrameType.PING, bytes())))).toBe("AuthenticationError");
  });

  it("seal into the caller's buffer: the same bytes as a fresh frame, a view of that buffer, a too-small one refused before a seq is spent", () => {
    for (const aead of [nobleAead, nodeAead]) {
      const fresh = pairedChannels({ seed: 26, aeadA: aead });
      const into = pairedChannels({ seed: 26, aeadA: aead }); // same seed: the same keys
      const output = new Uint8Array(new ArrayBuffer(4096), 8, 4000);
      for (const size of [0, 1, 100, 1000, 3970]) {
        const p = new Uint8Array(size).fill(size & 0xff);
        const f = into.a.seal(FrameType.SYNC, p, output);
        expect(f.buffer).toBe(output.buffer);
        expect(f.byteOffset).toBe(output.byteOffset);
        expect(f).toEqual(fresh.a.seal(FrameType.SYNC, p));
        expect(into.b.open(f).payload).toEqual(p); // opened before the buffer is reused
      }
      expect(() => into.a.seal(FrameType.SYNC, new Uint8Array(3971), output)).toThrow(RangeError);
      expect(() => into.a.seal(FrameType.SYNC, bytes(1), [1, 2, 3] as unknown as Uint8Array)).toThrow(TypeError);
      // Neither refusal spent a sequence number: the next frames still match one for one.
      expect(into.a.seal(FrameType.PING, bytes(), output)).toEqual(fresh.a.seal(FrameType.PING, bytes()));
    }
  });

  it("refuses to seal more than the frame limit", () => {
    const { a } = pairedChannels({ seed: 24 });
    expect(() => a.seal(FrameType.SYNC, new Uint8Array(1 << 20))).toThrow(RangeError);
  });
});

describe("rotation", () => {
  it("either side can rotate; keys agree; the grace window keeps old receive keys until expired", () => {
    const { a, b } = pairedChannels({ seed: 31 });
    const late = a.seal(FrameType.SYNC, bytes(1)); // sealed at epoch 0, delivered after rotation
    expect(rotate(a, b)).toBe(1);
    expect([a.sendEpoch, b.sendEpoch]).toEqual([1, 1]);
    expect(b.open(late).epoch).toBe(0);
    expect(b.open(a.seal(FrameType.SYNC, bytes(2))).epoch).toBe(1);
    expect(a.open(b.seal(FrameType.SYNC, bytes(3))).epoch).toBe(1);
    expect(rotate(b, a)).toBe(2);
    expect(b.receiveEpochs).toEqual([0, 1, 2]);
    b.expireEpoch(0);
    b.expireEpoch(1);
    expect(b.receiveEpochs).toEqual([2]);
    const stale = Uint8Array.from(late);
    expect(errName(() => b.open(stale))).toBe("UnknownEpochError");
    expect(() => b.expireEpoch(2)).toThrow(RangeError);
  });

  it("the responder's last frame at the old epoch is the ACK; later frames use the new epoch", () => {
    const { a, b } = pairedChannels({ seed: 32 });
    const body = b.handleRotate(b.open(a.seal(FrameType.ROTATE, a.startRotation())).payload)!;
    expect(b.epoch).toBe(1);
    expect(b.sendEpoch).toBe(0); // still epoch 0 until the ACK is sealed
    const before = b.seal(FrameType.SYNC, bytes(1));
    const ack = b.seal(FrameType.ROTATE_ACK, body);
    const after = b.seal(FrameType.SYNC, bytes(2));
    expect(b.sendEpoch).toBe(1);
    expect(a.open(before).epoch).toBe(0);
    expect(errName(() => a.open(Uint8Array.from(after)))).toBe("UnknownEpochError"); // overtook the ACK: not yet keyed
    const openedAck = a.open(ack);
    expect(openedAck.epoch).toBe(0);
    expect(a.handleRotateAck(openedAck.payload)).toBe(1);
    expect(a.open(after).epoch).toBe(1);
  });

  it("collision: both start a rotation to the same epoch; lo wins, hi acks, both end at epoch 1", () => {
    const { a, b } = pairedChannels({ seed: 33 });
    const [lo, hi] = a.direction === "lo" ? [a, b] : [b, a];
    const rLo = lo.seal(FrameType.ROTATE, lo.startRotation());
    const rHi = hi.seal(FrameType.ROTATE, hi.startRotation());
    expect(lo.handleRotate(lo.open(rHi).payload)).toBeNull();
    const ackBody = hi.handleRotate(hi.open(rLo).payload);
    expect(ackBody).not.toBeNull();
    expect(hi.rotationPending).toBe(false);
    expect(hi.sendEpoch).toBe(0);
    const ack = hi.seal(FrameType.ROTATE_ACK, ackBody!);
    expect(hi.sendEpoch).toBe(1);
    expect(lo.handleRotateAck(lo.open(ack).payload)).toBe(1);
    expect(lo.open(hi.seal(FrameType.SYNC, bytes(5))).epoch).toBe(1);
    expect(hi.open(lo.seal(FrameType.SYNC, bytes(6))).epoch).toBe(1);
  });

  it("bad ROTATE / ROTATE_ACK bodies are RotationErrors and change nothing", () => {
    const { a, b } = pairedChannels({ seed: 34 });
    expect(errName(() => b.handleRotate(new Uint8Array(35)))).toBe("RotationError");
    const body = a.startRotation();
    const wrongEpoch = Uint8Array.from(body);
    wrongEpoch[3] = 5;
    expect(errName(() => b.handleRotate(wrongEpoch))).toBe("RotationError");
    const lowOrder = Uint8Array.from(body);
    lowOrder.fill(0, 4); // the all-zero u-coordinate is a low-order point
    expect(errName(() => b.handleRotate(lowOrder))).toBe("RotationError");
    expect(errName(() => a.handleRotateAck(new Uint8Array(36)))).toBe("RotationError"); // epoch 0, not pending epoch
    expect(errName(() => a.startRotation())).toBe("RotationError"); // already pending
    expect(b.epoch).toBe(0);
    const ack = b.handleRotate(body)!;
    expect(a.handleRotateAck(ack)).toBe(1);
  });

  it("5,000 seals across 6 rotations: (epoch, seq) never repeats and every frame opens", () => {
    const { a, b } = pairedChannels({ seed: 36, aeadA: nodeAead, aeadB: nodeAead });
    const seen = new Set<string>();
    for (let r = 0; r < 6; r++) {
      for (let i = 0; i < 5000 / 6; i++) {
        const o = b.open(a.seal(FrameType.SYNC, bytes(i & 0xff)));
        const k = `${o.epoch}/${o.seq}`;
        expect(seen.has(k)).toBe(false);
        seen.add(k);
      }
      r % 2 ? rotate(a, b) : rotate(b, a);
    }
    expect(seen.size).toBeGreaterThanOrEqual(4998);
    expect(a.epoch).toBe(6);
  });

  it("forward secrecy: every buffer the store lets go of is zero at once", () => {
    const { a, b, storeA } = pairedChannels({ seed: 35 });
    const before = storeA.secretBuffers();
    rotate(a, b);
    rotate(b, a);
    const after = new Set(storeA.secretBuffers());
    const gone = before.filter((x) => !after.has(x));
    expect(gone.length).toBeGreaterThanOrEqual(2); // at least root_0 and the epoch-0 send key
    expect(gone.every((x) => x.every((y) => y === 0))).toBe(true);
    expect(storeA.census()).toMatchObject({ root: 1, "traffic-send": 1, "traffic-receive": 3 });
    expect(storeA.census()["x25519-ephemeral"]).toBeUndefined();
    expect(storeA.census()["x25519-shared"]).toBeUndefined();
  });
});

describe("rotation across key-agreement backends", () => {
  it("node:crypto X25519 on one side, noble on the other: rotations both ways, collisions, refusals", () => {
    const { a, b, storeA } = pairedChannels({ seed: 37, keyAgreementA: nodeX25519, keyAgreementB: nobleX25519 });
    expect(rotate(a, b)).toBe(1);
    expect(rotate(b, a)).toBe(2);
    expect(b.open(a.seal(FrameType.SYNC, bytes(7))).epoch).toBe(2);
    expect(a.open(b.seal(FrameType.SYNC, bytes(8))).epoch).toBe(2);
    // node's ephemeral private keys never enter the store; only the DH output did, and it is gone
    expect(storeA.census()["x25519-ephemeral"]).toBeUndefined();
    expect(storeA.census()["x25519-shared"]).toBeUndefined();
    const body = b.startRotation();
    const lowOrder = Uint8Array.from(body);
    lowOrder.fill(0, 4);
    expect(errName(() => a.handleRotate(lowOrder))).toBe("RotationError");
    expect(a.epoch).toBe(2);
    const [lo, hi] = a.direction === "lo" ? [a, b] : [b, a];
    const rLo = lo.seal(FrameType.ROTATE, lo === b ? body : lo.startRotation());
    const rHi = hi.seal(FrameType.ROTATE, hi === b ? body : hi.startRotation());
    expect(lo.handleRotate(lo.open(rHi).payload)).toBeNull();
    const ackBody = hi.handleRotate(hi.open(rLo).payload)!;
    expect(lo.handleRotateAck(lo.open(hi.seal(FrameType.ROTATE_ACK, ackBody)).payload)).toBe(3);
    expect(hi.open(lo.seal(FrameType.SYNC, bytes(9))).epoch).toBe(3);
  });
});

describe("signaling seal", () => {
  it("round-trips, refuses replays and the wrong direction, and is independent of frames", () => {
    const { a, b } = pairedChannels({ seed: 41 });
    const s = a.sealSignal(new TextEncoder().encode("v=0 offer"));
    expect(new TextDecoder().decode(b.openSignal(s))).toBe("v=0 offer");
    expect(errName(() => b.openSignal(s))).toBe("ReplayError");
    expect(errName(() => a.openSignal(a.sealSignal(bytes(1))))).toBe("AuthenticationError");
    expect(errName(() => b.open(a.sealSignal(bytes(1))))).toBe("BadHeaderError");
    expect(errName(() => b.openSignal(new Uint8Array(70_000)))).toBe("BadHeaderError");
    rotate(a, b);
    expect(Array.from(b.openSignal(a.sealSignal(bytes(4))))).toEqual([4]);
  });
});

// ---- properties ----------------------------------------------------------------------------


describe("properties", () => {
  const pairs = [nobleAead, nodeAead].flatMap((x) => [nobleAead, nodeAead].map((y) => pairedChannels({ seed: 51, aeadA: x, aeadB: y })));
  test.prop([fc.uint8Array({ maxLength: 4096 }), fc.constantFrom(...Object.values(FrameType)), fc.nat({ max: 3 }), fc.boolean()], { numRuns: 200 })(
    "seal/open round-trips any payload (every backend pair, both directions)",
    (payload, type, which, reverse) => {
      const pair = pairs[which]!;
      const [from, to] = reverse ? [pair.b, pair.a] : [pair.a, pair.b];
      const o = to.open(from.seal(type, payload));
      expect(o.type).toBe(type);
      expect(Buffer.from(o.payload).equals(Buffer.from(payload))).toBe(true);
    },
  );

  const shared = pairedChannels({ seed: 52 });
  test.prop([fc.uint8Array({ minLength: 0, maxLength: 256 }), fc.nat()], { numRuns: 300 })(
    "any single flipped bit is refused, and the original still opens afterwards",
    (payload, pick) => {
      const f = shared.a.seal(FrameType.SYNC, payload);
      const bit = pick % (f.length * 8);
      const g = Uint8Array.from(f);
      g[bit >> 3]! ^= 1 << (bit & 7);
      let err: Error | undefined;
      try {
        shared.b.open(g);
      } catch (e) {
        err = e as Error;
      }
      expect(err).toBeDefined();
      expect(["BadHeaderError", "UnknownEpochError", "AuthenticationError", "TooOldError", "ReplayError"]).toContain(err!.name);
      if (bit >= 14 * 8) expect(err!.name).toBe("AuthenticationError");
      expect(Buffer.from(shared.b.open(f).payload).equals(Buffer.from(payload))).toBe(true);
    },
  );

  test.prop([fc.array(fc.nat({ max: 149 }), { minLength: 1, maxLength: 250 })], { numRuns: 40 })(
    "delivery in any order: each frame opens once inside the window, replays and too-old frames are refused",
    (order) => {
      const W = 64;
      const { a, b } = pairedChannels({ seed: 53, replayWindowSize: W, aeadA: nodeAead, aeadB: nodeAead });
      const frames = Array.from({ length: 150 }, (_, i) => a.seal(FrameType.SYNC, bytes(i & 0xff)));
      const accepted = new Set<number>();
      let highest = -1;
      for (const i of order) {
        const name = errName(() => b.open(frames[i]!));
        if (accepted.has(i)) expect(name === "ReplayError" || name === "TooOldError").toBe(true);
        else if (highest - i >= W) expect(name).toBe("TooOldError");
        else {
          expect(name).toBeUndefined();
          accepted.add(i);
          highest = Math.max(highest, i);
        }
      }
    },
  );

  type Op = { kind: "sealA" | "sealB"; n: number } | { kind: "rotA" | "rotB" | "collide" | "expire" };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constantFrom("sealA" as const, "sealB" as const), n: fc.integer({ min: 1, max: 400 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom("rotA" as const, "rotB" as const, "collide" as const, "expire" as const) }) },
  );
  test.prop([fc.array(opArb, { minLength: 4, maxLength: 14 }), fc.integer({ min: 1, max: 1e6 })], { numRuns: 10 })(
    "seq never repeats per (sender, epoch) across thousands of seals and rotations; both sides agree on every epoch",
    (ops, seed) => {
      const { a, b } = pairedChannels({ seed, aeadA: nodeAead, aeadB: nodeAead });
      const seen = new Set<string>();
      let total = 0;
      const send = (from: SecureChannel, to: SecureChannel, tag: string, n: number) => {
        for (let i = 0; i < n; i++) {
          const f = from.seal(FrameType.SYNC, bytes(i & 0xff));
          const o = to.open(f);
          const key = `${tag}/${o.epoch}/${o.seq}`;
          expect(seen.has(key)).toBe(false);
          seen.add(key);
          total++;
        }
      };
      for (const op of ops) {
        if (op.kind === "sealA") send(a, b, "a", op.n);
        else if (op.kind === "sealB") send(b, a, "b", op.n);
        else if (op.kind === "rotA") rotate(a, b);
        else if (op.kind === "rotB") rotate(b, a);
        else if (op.kind === "expire") {
          for (const ch of [a, b]) for (const e of ch.receiveEpochs) if (e < ch.epoch) ch.expireEpoch(e);
        } else {
          const [lo, hi] = a.direction === "lo" ? [a, b] : [b, a];
          const rLo = lo.seal(FrameType.ROTATE, lo.startRotation());
          const rHi = hi.seal(FrameType.ROTATE, hi.startRotation());
          expect(lo.handleRotate(lo.open(rHi).payload)).toBeNull();
          const ack = hi.seal(FrameType.ROTATE_ACK, hi.handleRotate(hi.open(rLo).payload)!);
          lo.handleRotateAck(lo.open(ack).payload);
        }
        expect(a.epoch).toBe(b.epoch);
        expect(a.sendEpoch).toBe(a.epoch);
        expect(b.sendEpoch).toBe(b.epoch);
      }
      send(a, b, "a", 1);
      send(b, a, "b", 1);
      expect(total).toBeGreaterThan(0);
    },
  );

  test.prop(
    [fc.constantFrom(32, 64, 128), fc.array(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })), { maxLength: 400 })],
    { numRuns: 400 },
  )("accepts each seq once and refuses exactly what the model refuses", (size, seqs) => {
    const w = new ReplayWindow(size);
    const seen = new Set<number>();
    let highest = -1;
    for (const s of seqs) {
      let name: string | undefined;
      try {
        w.check(s);
        w.commit(s);
      } catch (e) {
        name = (e as Error).name;
      }
      if (highest >= 0 && highest - s >= size) expect(name).toBe("TooOldError");
      else if (seen.has(s)) expect(name).toBe("ReplayError");
      else {
        expect(name).toBeUndefined();
        seen.add(s);
        if (s > highest) highest = s;
      }
    }
  });
});
