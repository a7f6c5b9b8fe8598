/**
 * The two shortcuts the runtime takes on its hot paths (bench/profile-engine) change cost, not
 * outcome: a frame's updates applied as one CRDT batch end in the same doc as one by one, and a
 * pulse is only dropped when it would re-arm the very same timers.
 */
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import { createYjsCrdt } from "../../src/adapters/crdt/yjs.js";
import { CrdtDecodeError, type CrdtMessage } from "../../src/adapters/crdt/types.js";
import { Pulses, type PulseType } from "../../src/runtime/pulses.js";
import { Coalescer } from "../../src/runtime/outbound.js";
import { decodeBody } from "../../src/runtime/codec.js";

function updatesOf(n: number): CrdtMessage[] {
  const src = new Y.Doc();
  const out: CrdtMessage[] = [];
  src.on("update", (u: Uint8Array) => {
    const e = encoding.createEncoder();
    syncProtocol.writeUpdate(e, u);
    out.push({ kind: "sync", bytes: encoding.toUint8Array(e) });
  });
  const m = src.getMap<number>("m");
  for (let i = 0; i < n; i++) m.set(`k${i % 7}`, i);
  return out;
}

describe("CRDT batch receive", () => {
  it("ends in the same doc as one-by-one, with one observer call, and echoes nothing", () => {
    const msgs = updatesOf(40);
    const one = createYjsCrdt();
    const many = createYjsCrdt();
    for (const m of msgs) one.receive(m);
    let calls = 0;
    many.doc.getMap("m").observe(() => calls++);
    const out: CrdtMessage[] = [];
    many.outbound$.subscribe((m) => out.push(m));
    many.receiveBatch!(msgs);
    expect(many.doc.getMap("m").toJSON()).toEqual(one.doc.getMap("m").toJSON());
    expect(Y.encodeStateVector(many.doc)).toEqual(Y.encodeStateVector(one.doc));
    expect(calls).toBe(1);
    expect(out).toEqual([]); // remote changes are never sent back
    one.destroy();
    many.destroy();
  });

  it("throws CrdtDecodeError at a bad message; those before it stay applied", () => {
    const msgs = updatesOf(5);
    const c = createYjsCrdt();
    const bad: CrdtMessage = { kind: "sync", bytes: new Uint8Array([9, 9]) };
    expect(() => c.receiveBatch!([msgs[0]!, msgs[1]!, bad, msgs[2]!])).toThrow(CrdtDecodeError);
    expect(c.doc.getMap("m").toJSON()).toEqual({ k0: 0, k1: 1 });
    c.destroy();
  });
});

describe("pulses", () => {
  const tick = () => new Promise<void>((r) => queueMicrotask(r));
  const setup = () => {
    let t = 1000;
    const got: PulseType[] = [];
    const p = new Pulses(() => t, (type) => got.push(type));
    return { p, got, advance: (ms: number) => (t += ms) };
  };

  it("one per type per microtask", async () => {
    const { p, got } = setup();
    for (let i = 0; i < 5; i++) {
      p.pulse("ACTIVITY");
      p.pulse("PEER_MESSAGE_OK");
    }
    await tick();
    expect(got).toEqual(["ACTIVITY", "PEER_MESSAGE_OK"]);
  });

  it("drops a repeat at the same millisecond only while nothing else moved the actor", async () => {
    const { p, got, advance } = setup();
    p.pulse("ACTIVITY");
    await tick();
    p.pulse("ACTIVITY"); // same ms, actor unmoved: same deadline -> dropped
    await tick();
    expect(got).toEqual(["ACTIVITY"]);
    p.actorMoved(); // e.g. CHANNEL_OPEN or a timer
    p.pulse("ACTIVITY");
    await tick();
    expect(got).toEqual(["ACTIVITY", "ACTIVITY"]);
    advance(1); // a later millisecond: a later deadline
    p.pulse("ACTIVITY");
    await tick();
    expect(got).toEqual(["ACTIVITY", "ACTIVITY", "ACTIVITY"]);
  });

  it("actor updates caused by a pulse itself do not count as movement", async () => {
    let t = 5;
    const got: PulseType[] = [];
    // the delivery makes the actor emit a snapshot, which the engine reports as actorMoved()
    const p: Pulses = new Pulses(() => t, (type) => {
      got.push(type);
      p.actorMoved();
    });
    p.pulse("PEER_MESSAGE_OK");
    await tick();
    p.pulse("PEER_MESSAGE_OK");
    await tick();
    expect(got).toEqual(["PEER_MESSAGE_OK"]);
    t++;
    p.pulse("PEER_MESSAGE_OK");
    await tick();
    expect(got).toEqual(["PEER_MESSAGE_OK", "PEER_MESSAGE_OK"]);
  });
});

describe("coalescer", () => {
  it("fills bodies up to the target without a straggler frame, in order, nothing lost", () => {
    const bodies: Uint8Array[] = [];
    const c = new Coalescer({ targetBytes: 1000, maxBodyBytes: 64 * 1024, emit: (_t, b) => bodies.push(b) });
    const msgs = Array.from({ length: 100 }, (_, i) => new Uint8Array(37).fill(i));
    for (const m of msgs) c.push(1, m);
    c.flush();
    // 39 bytes per part (tag + length + 37), at most 997 per body: 25 parts a body, 4 bodies.
    expect(bodies.length).toBe(4);
    for (const b of bodies) expect(b.length).toBeLessThanOrEqual(1000);
    const back = bodies.flatMap((b) => decodeBody(b).map((p) => p.bytes));
    expect(back).toEqual(msgs);
  });
});
