/**
 * Remote applies report their change from the transaction (Yjs is spared encoding an update
 * nobody reads): one `remote` change per update that adds or deletes something, none for one
 * the doc already holds, and the same with a host 'update' listener attached (then Yjs encodes
 * for it, the host sees the remote update, and the change is still reported exactly once).
 */
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { createYjsCrdt, updateMessage } from "../../../src/adapters/crdt/yjs.js";
import type { CrdtChange, CrdtMessage } from "../../../src/adapters/crdt/types.js";

function edits(): CrdtMessage[] {
  const src = new Y.Doc();
  const out: CrdtMessage[] = [];
  src.on("update", (u: Uint8Array) => out.push({ kind: "sync", bytes: updateMessage(u) }));
  const m = src.getMap<string | Uint8Array>("m");
  m.set("a", "1");
  m.set("bin", new Uint8Array(20_000).fill(3));
  m.delete("a"); // a delete-only update
  return out;
}

const remoteChanges = (changes: CrdtChange[]) => changes.filter((c) => c.kind === "doc" && c.origin === "remote").length;

describe("remote changes", () => {
  for (const hostListener of [false, true]) {
    it(`one per update with content, none for a repeat (host 'update' listener: ${hostListener})`, () => {
      const c = createYjsCrdt();
      const changes: CrdtChange[] = [];
      c.changes$.subscribe((x) => changes.push(x));
      const seen: unknown[] = [];
      if (hostListener) c.doc.on("update", (_u: Uint8Array, origin: unknown) => seen.push(origin));
      const msgs = edits();
      for (const m of msgs) c.receive({ kind: "sync", bytes: m.bytes.slice() });
      expect(remoteChanges(changes)).toBe(3);
      c.receive({ kind: "sync", bytes: msgs[1]!.bytes.slice() }); // already held: nothing changes
      c.receiveBatch!(msgs.map((m) => ({ kind: "sync", bytes: m.bytes.slice() })));
      expect(remoteChanges(changes)).toBe(3);
      expect(c.doc.getMap("m").get("bin")).toEqual(new Uint8Array(20_000).fill(3));
      expect(c.doc.getMap("m").has("a")).toBe(false);
      expect(seen.length).toBe(hostListener ? 3 : 0);
      // Local edits still go out through our listener, which is back in place.
      const out: CrdtMessage[] = [];
      c.outbound$.subscribe((m) => out.push(m));
      c.doc.getMap("m").set("local", 1);
      expect(out.length).toBe(1);
      c.destroy();
    });
  }

  it("sends a local edit an observer makes while the peer's update is applied (a store binding answering)", () => {
    const c = createYjsCrdt();
    const out: CrdtMessage[] = [];
    c.outbound$.subscribe((m) => out.push(m));
    const m = c.doc.getMap<string | Uint8Array>("m");
    m.observe((_e, tr) => {
      if (!tr.local && !m.has("answer")) c.doc.transact(() => m.set("answer", "yes"));
    });
    const changes: CrdtChange[] = [];
    c.changes$.subscribe((x) => changes.push(x));
    for (const msg of edits()) c.receive(msg);
    expect(out.length).toBe(1); // the answer, and nothing of the peer's
    const peer = new Y.Doc();
    peer.getMap("m"); // the update names the map
    const d = createYjsCrdt({ doc: peer });
    d.receive(out[0]!);
    expect(peer.getMap("m").get("answer")).toBe("yes");
    expect(changes.filter((x) => x.origin === "local").length).toBe(1);
    expect(remoteChanges(changes)).toBe(3);
    // And the next local edit still goes out.
    m.set("later", "1");
    expect(out.length).toBe(2);
    c.destroy();
    d.destroy();
  });
});
