/**
 * CRDT binding compliance suite. Every Crdt implementation runs it:
 *
 *   import { crdtCompliance } from "../compliance/crdt.js";
 *   crdtCompliance("yjs", { setup: async () => ({ create: () => createYjsCrdt() }), teardown: async () => {} });
 *
 * `create()` makes a fresh binding; the suite wires two of them back to back (outbound$ of one
 * into receive() of the other, asynchronously) and checks: a sync round converges, incremental
 * updates flow without echo, awareness presence reaches the peer, changes$ reports local and
 * remote changes, hostile messages are CrdtDecodeError and leave the doc unchanged, and destroy
 * forgets (doc destroyed and emptied, awareness cleared, streams complete, later use refused).
 */
import { describe, expect, it } from "vitest";
import { lastValueFrom, toArray } from "rxjs";
import * as Y from "yjs";
import type { Crdt, CrdtChange, CrdtMessage } from "../../adapters/crdt/types.js";
import { withSetup, type SuiteSetup } from "./suite.js";

export interface CrdtFactory {
  create(): Crdt;
}

export type CrdtSuiteSetup<T extends CrdtFactory = CrdtFactory> = SuiteSetup<T>;

/** Wire two bindings; returns a function that waits until both directions are quiet. */
function wire(x: Crdt, y: Crdt): { settle: () => Promise<void>; sent: CrdtMessage[] } {
  const sent: CrdtMessage[] = [];
  let inFlight = 0;
  const pipe = (from: Crdt, to: Crdt) =>
    from.outbound$.subscribe((m) => {
      sent.push(m);
      inFlight++;
      queueMicrotask(() => {
        inFlight--;
        if (!to.destroyed) to.receive(m);
      });
    });
  pipe(x, y);
  pipe(y, x);
  const settle = async () => {
    for (let i = 0; i < 1000 && inFlight > 0; i++) await Promise.resolve();
    await Promise.resolve();
  };
  return { settle, sent };
}

export function crdtCompliance<T extends CrdtFactory>(name: string, s: CrdtSuiteSetup<T>): void {
  describe(`crdt compliance: ${name}`, () => {
    const withCtx = withSetup(s);

    it("a sync round makes two divergent docs equal", withCtx(async ({ create }) => {
      const x = create();
      const y = create();
      x.doc.getMap("prefs").set("theme", "dark");
      y.doc.getMap("prefs").set("lang", "de");
      const { settle } = wire(x, y);
      x.syncStart();
      y.syncStart();
      await settle();
      expect(x.doc.getMap("prefs").toJSON()).toEqual({ theme: "dark", lang: "de" });
      expect(y.doc.getMap("prefs").toJSON()).toEqual(x.doc.getMap("prefs").toJSON());
      x.destroy();
      y.destroy();
    }));

    it("incremental updates flow after the sync round, without echo", withCtx(async ({ create }) => {
      const x = create();
      const y = create();
      const { settle, sent } = wire(x, y);
      x.syncStart();
      y.syncStart();
      await settle();
      sent.length = 0;
      x.doc.getMap("m").set("k", 1);
      await settle();
      expect(y.doc.getMap("m").get("k")).toBe(1);
      // exactly one message: x's update; y does not echo it back
      expect(sent.filter((m) => m.kind === "sync").length).toBe(1);
      x.destroy();
      y.destroy();
    }));

    it("a step 1 marked as request makes the peer answer and start its own round (two-way repair)", withCtx(async ({ create }) => {
      const x = create();
      const y = create();
      x.doc.getMap("m").set("fromX", 1);
      y.doc.getMap("m").set("fromY", 2);
      const { settle, sent } = wire(x, y);
      sent.length = 0;
      x.syncStart({ request: true });
      await settle();
      expect(x.doc.getMap("m").toJSON()).toEqual({ fromX: 1, fromY: 2 });
      expect(y.doc.getMap("m").toJSON()).toEqual({ fromX: 1, fromY: 2 });
      // a plain step 1 is only answered: x asks plainly, y sends step 2 and nothing else
      sent.length = 0;
      x.syncStart();
      await settle();
      expect(sent.filter((m) => m.kind === "sync").length).toBe(2);
      x.destroy();
      y.destroy();
    }));

    it("changes$ reports local and remote doc changes", withCtx(async ({ create }) => {
      const x = create();
      const y = create();
      const cx: CrdtChange[] = [];
      const cy: CrdtChange[] = [];
      x.changes$.subscribe((c) => cx.push(c));
      y.changes$.subscribe((c) => cy.push(c));
      const { settle } = wire(x, y);
      x.doc.getMap("m").set("a", "b");
      await settle();
      expect(cx).toContainEqual({ kind: "doc", origin: "local" });
      expect(cy).toContainEqual({ kind: "doc", origin: "remote" });
      x.destroy();
      y.destroy();
    }));

    it("presence reaches the peer through awareness", withCtx(async ({ create }) => {
      const x = create();
      const y = create();
      const { settle } = wire(x, y);
      x.setPresence({ device: "laptop", doing: "editing" });
      await settle();
      expect(y.peers()).toEqual([expect.objectContaining({ device: "laptop", doing: "editing" })]);
      y.forgetPeers();
      expect(y.peers()).toEqual([]);
      x.destroy();
      y.destroy();
    }));

    it("markActive is an awareness change on both sides and leaves the doc alone", withCtx(async ({ create }) => {
      const x = create();
      const y = create();
      const { settle } = wire(x, y);
      await settle();
      const cx: CrdtChange[] = [];
      const cy: CrdtChange[] = [];
      x.changes$.subscribe((c) => cx.push(c));
      y.changes$.subscribe((c) => cy.push(c));
      const before = Y.encodeStateVector(x.doc);
      x.markActive();
      await settle();
      x.markActive();
      await settle();
      expect(cx.filter((c) => c.kind === "awareness" && c.origin === "local")).toHaveLength(2);
      expect(cy.filter((c) => c.kind === "awareness" && c.origin === "remote")).toHaveLength(2);
      expect(Y.encodeStateVector(x.doc)).toEqual(before);
      x.destroy();
      y.destroy();
    }));

    it("synced$ emits once the peer's answer to our sync round has been applied", withCtx(async ({ create }) => {
      const x = create();
      const y = create();
      y.doc.getMap("m").set("from-y", 1);
      let synced = 0;
      x.synced$.subscribe(() => synced++);
      const { settle } = wire(x, y);
      x.syncStart();
      await settle();
      expect(synced).toBe(1);
      expect(x.doc.getMap("m").get("from-y")).toBe(1);
      x.destroy();
      y.destroy();
    }));

    it("hostile messages are CrdtDecodeError and leave the doc unchanged", withCtx(async ({ create }) => {
      const x = create();
      x.doc.getMap("m").set("keep", 1);
      const before = x.doc.getMap("m").toJSON();
      const bad: CrdtMessage[] = [
        { kind: "sync", bytes: new Uint8Array([]) },
        { kind: "sync", bytes: new Uint8Array([9, 1, 2]) },
        { kind: "sync", bytes: new Uint8Array([2, 200, 1, 2, 3]) },
        { kind: "sync", bytes: new Uint8Array([2, 5, 255, 255, 255, 255, 255]) },
        { kind: "sync", bytes: new Uint8Array([0, 0, 7]) },
        { kind: "awareness", bytes: new Uint8Array([1, 5, 1, 3, 123, 123, 123]) },
        { kind: "awareness", bytes: new Uint8Array([255]) },
        { kind: "bogus" as "sync", bytes: new Uint8Array([0]) },
      ];
      for (const m of bad) {
        expect(() => x.receive(m)).toThrow(expect.objectContaining({ name: "CrdtDecodeError" }));
      }
      expect(x.doc.getMap("m").toJSON()).toEqual(before);
      x.destroy();
    }));

    it("destroy forgets: doc destroyed and emptied, awareness cleared, streams complete, later use refused", withCtx(async ({ create }) => {
      const x = create();
      const y = create();
      const { settle } = wire(x, y);
      x.setPresence({ device: "a", doing: "x" });
      y.setPresence({ device: "b", doing: "y" });
      x.doc.getMap("m").set("secret-ish", "value");
      await settle();
      const outDone = lastValueFrom(x.outbound$.pipe(toArray()));
      const chDone = lastValueFrom(x.changes$.pipe(toArray()));
      x.destroy();
      x.destroy();
      await outDone;
      await chDone;
      expect(x.destroyed).toBe(true);
      expect(x.doc.isDestroyed).toBe(true);
      expect(x.doc.getMap("m").size).toBe(0);
      expect(x.awareness.getStates().size).toBe(0);
      expect(x.peers()).toEqual([]);
      expect(() => x.receive({ kind: "sync", bytes: new Uint8Array([0, 0]) })).toThrow(expect.objectContaining({ name: "CrdtDestroyedError" }));
      expect(() => x.syncStart()).toThrow(expect.objectContaining({ name: "CrdtDestroyedError" }));
      // y only ever received "m" from the peer (never opened it locally): it is forgotten too
      y.destroy();
      expect(y.doc.getMap("m").size).toBe(0);
    }));
  });
}
