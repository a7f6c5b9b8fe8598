/**
 * What the Yjs binding erases itself (src/adapters/crdt/yjs.ts): binary values the doc holds
 * are zeroed on destroy, nested ones too; the update array Yjs hands to 'update' listeners is
 * zeroed only when the binding is the sole listener, so an app's own listener still gets intact
 * bytes; answering a sync step 1 still yields the full state.
 */
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { createYjsCrdt } from "../../../src/adapters/crdt/yjs.js";
import type { CrdtMessage } from "../../../src/adapters/crdt/types.js";

const filled = (n: number, v: number) => new Uint8Array(n).fill(v);

describe("yjs binding: forgetting binary content", () => {
  it("destroy zeroes every binary value the doc holds (the app's own arrays, nested ones, the peer's)", () => {
    const a = createYjsCrdt();
    const b = createYjsCrdt();
    a.outbound$.subscribe((m) => b.receive(m));
    const mine = filled(48, 7);
    const nested = filled(20, 9);
    a.doc.getMap("m").set("blob", mine);
    a.doc.getArray("list").push([{ deep: [nested] }]);
    const received = b.doc.getMap("m").get("blob") as Uint8Array;
    expect(received).not.toBe(mine);
    expect(received.every((x) => x === 7)).toBe(true);
    a.destroy();
    b.destroy();
    expect(mine.every((x) => x === 0)).toBe(true);
    expect(nested.every((x) => x === 0)).toBe(true);
    expect(received.every((x) => x === 0)).toBe(true);
  });

  it("the 'update' array is zeroed only when the binding is its sole listener", () => {
    const crdt = createYjsCrdt();
    const sent: CrdtMessage[] = [];
    crdt.outbound$.subscribe((m) => sent.push(m));
    // See the arrays Yjs emits without registering a listener (which would change the answer).
    const emitted: Uint8Array[] = [];
    const emit = crdt.doc.emit.bind(crdt.doc);
    crdt.doc.emit = ((name: string, args: unknown[]) => {
      if (name === "update") emitted.push(args[0] as Uint8Array);
      emit(name as "update", args as never);
    }) as typeof crdt.doc.emit;

    crdt.doc.getMap("m").set("k", "first");
    expect(sent).toHaveLength(1); // the content went out...
    expect(emitted[0]!.every((x) => x === 0)).toBe(true); // ...and Yjs' array was zeroed after

    const replica = new Y.Doc();
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(crdt.doc));
    const appUpdates: Uint8Array[] = [];
    const appListener = (u: Uint8Array) => appUpdates.push(u);
    crdt.doc.on("update", appListener);
    crdt.doc.getMap("m").set("k", "second");
    crdt.doc.off("update", appListener);
    Y.applyUpdate(replica, appUpdates[0]!); // intact: the app's listener shares the array
    expect(replica.getMap("m").get("k")).toBe("second");
    expect(sent).toHaveLength(2);
    crdt.destroy();
  });

  it("a sync step 1 is answered with the whole state; the binding's sent messages stay intact", () => {
    const a = createYjsCrdt();
    const b = createYjsCrdt();
    a.doc.getMap("m").set("blob", filled(30, 3));
    a.doc.getText("t").insert(0, "hello");
    const toA: CrdtMessage[] = [];
    const toB: CrdtMessage[] = [];
    a.outbound$.subscribe((m) => toB.push(m));
    b.outbound$.subscribe((m) => toA.push(m));
    b.syncStart();
    for (const m of toA.splice(0)) a.receive(m);
    for (const m of toB.splice(0)) b.receive(m);
    expect(b.doc.getText("t").toString()).toBe("hello");
    expect(Array.from(b.doc.getMap("m").get("blob") as Uint8Array)).toEqual(new Array(30).fill(3));
    a.destroy();
    b.destroy();
  });
});
