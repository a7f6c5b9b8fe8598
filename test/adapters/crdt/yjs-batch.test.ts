/**
 * The shortcut the runtime takes on its inbound hot path (bench/profile-engine) changes cost, not
 * outcome: a frame's updates applied as one CRDT batch end in the same doc as one by one.
 */
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import { createYjsCrdt } from "../../../src/adapters/crdt/yjs.js";
import { CrdtDecodeError, type CrdtMessage } from "../../../src/adapters/crdt/types.js";

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
