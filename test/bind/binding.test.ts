/**
 * lethe-sync/bind with the real Zustand vanilla store (and a hand-made one) on two engines over
 * the memory network: two-way per-key sync, one setState per remote transaction, no echo,
 * nested plain values, clear errors for values that cannot be synced, and the session
 * boundaries (attach on connect, detach on end with the store's last values kept).
 */
import { afterEach, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { BindValueError, bindStore, createStoreBinding, type StoreBinding } from "../../src/bind/index.js";
import type { EnginePair } from "../../src/testing/index.js";
import { data, handMadeStore, pairOf, prefsStore } from "./helpers.js";

const pairs: EnginePair[] = [];
const bindings: StoreBinding[] = [];
afterEach(async () => {
  for (const b of bindings.splice(0)) b.dispose();
  for (const p of pairs.splice(0)) await Promise.all([p.a.end(), p.b.end()]);
});

async function boundPair(seed: string) {
  const p = pairOf(seed);
  pairs.push(p);
  const desktop = prefsStore({ theme: "dark" });
  const phone = prefsStore({ language: "de" });
  const bd = createStoreBinding(desktop, { seed: "host" });
  const bp = createStoreBinding(phone, { seed: "host" });
  bindings.push(bd, bp);
  const sd = bd.attach(p.a);
  const sp = bp.attach(p.b);
  expect([sd.status, sp.status]).toEqual(["waiting", "waiting"]);
  await p.pair();
  await Promise.all([sd.ready, sp.ready]);
  await p.settle();
  return { p, desktop, phone, sd, sp };
}

/** Count the doc updates a device sends (local transactions that changed something). */
function localUpdates(doc: Y.Doc): { readonly n: number } {
  const c = { n: 0 };
  doc.on("update", (_u: Uint8Array, _o: unknown, _d: Y.Doc, tr: Y.Transaction) => {
    if (tr.local) c.n++;
  });
  return c;
}

describe("store binding: two-way sync", () => {
  it("seeds both stores, then each local change reaches the other store", async () => {
    const { p, desktop, phone, sd, sp } = await boundPair("bind-two-way");
    expect([sd.status, sp.status]).toEqual(["live", "live"]);
    expect(data(phone.getState())).toEqual({ theme: "dark", language: "en", recording: null });
    expect(data(desktop.getState())).toEqual(data(phone.getState()));
    desktop.getState().setTheme("solarized"); // a Zustand action
    phone.setState({ language: "fr" });
    await p.settle();
    expect(data(desktop.getState())).toEqual({ theme: "solarized", language: "fr", recording: null });
    expect(data(phone.getState())).toEqual(data(desktop.getState()));
    expect(p.a.doc.getMap("store").toJSON()).toEqual(data(desktop.getState()));
    // the actions stay the store's own: never written to the doc
    expect(p.a.doc.getMap("store").has("setTheme")).toBe(false);
  });

  it("a local change is one transaction of per-key sets; an unchanged key writes nothing", async () => {
    const { p, desktop } = await boundPair("bind-diff");
    const updates = localUpdates(p.a.doc);
    const keysChanged: string[][] = [];
    p.b.doc.getMap("store").observe((e) => keysChanged.push([...e.keysChanged].sort()));
    desktop.setState({ theme: "dark", language: "en" }); // equal to what the doc holds
    expect(updates.n).toBe(0);
    desktop.setState({ theme: "light", language: "ja", recording: null });
    expect(updates.n).toBe(1);
    await p.settle();
    expect(keysChanged).toEqual([["language", "theme"]]);
  });

  it("a remote transaction is one setState on the other store, and nothing echoes back", async () => {
    const { p, desktop, phone } = await boundPair("bind-echo");
    const phoneUpdates = localUpdates(p.b.doc);
    const desktopUpdates = localUpdates(p.a.doc);
    let phoneSets = 0;
    phone.subscribe(() => phoneSets++);
    desktop.setState({ theme: "blue", language: "nl", recording: { title: "standup", status: "recording", marks: [1, 2] } });
    await p.settle();
    expect(phoneSets).toBe(1);
    expect(phoneUpdates.n).toBe(0); // the phone applied it and wrote nothing back
    expect(desktopUpdates.n).toBe(1);
    expect(data(phone.getState())).toEqual(data(desktop.getState()));
  });

  it("nested plain values round-trip equal (objects, arrays, Uint8Array, null, unicode, -0 as 0)", async () => {
    const p = pairOf("bind-nested");
    pairs.push(p);
    type S = { doc: unknown; bytes: Uint8Array | null };
    const a = handMadeStore<S>({ doc: null, bytes: null });
    const b = handMadeStore<S>({ doc: null, bytes: null });
    const [sa, sb] = [createStoreBinding(a), createStoreBinding(b)];
    bindings.push(sa, sb);
    const ready = [sa.attach(p.a).ready, sb.attach(p.b).ready];
    await p.pair();
    await Promise.all(ready);
    const nested = { title: "Grüße 👋", tags: ["a", "b"], deep: { x: [1, { y: null, z: [true, false] }], n: -0, f: 1.5, big: 2 ** 40 }, empty: {}, none: [] };
    a.setState({ doc: nested, bytes: Uint8Array.from([0, 1, 255]) });
    await p.settle();
    expect(b.getState().doc).toEqual({ ...nested, deep: { ...nested.deep, n: 0 } });
    expect(b.getState().bytes).toEqual(Uint8Array.from([0, 1, 255]));
    // the store and the doc never share an object: mutating what the store got changes no doc
    (b.getState().doc as { tags: string[] }).tags.push("mutated");
    expect((p.b.doc.getMap("store").get("doc") as { tags: string[] }).tags).toEqual(["a", "b"]);
  });

  it("a value that cannot be synced throws BindValueError naming the key and path; nothing is written", async () => {
    const { p, desktop, phone } = await boundPair("bind-bad-values");
    const updates = localUpdates(p.a.doc);
    class Point {
      x = 1;
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const cases: [unknown, string, string][] = [
      [{ title: "t", status: "s", marks: [], at: new Date(0) }, "recording.at", "a Date"],
      [{ title: "t", status: "s", marks: [() => 1] }, "recording.marks[0]", "a function"],
      [{ title: "t", status: "s", marks: [], m: new Map() }, "recording.m", "a Map"],
      [{ title: "t", status: "s", marks: [], p: new Point() }, "recording.p", "a Point"],
      [{ title: "t", status: "s", marks: [], n: 10n }, "recording.n", "a bigint"],
      [cyclic, "recording.self", "a reference back to itself (a cycle)"],
    ];
    for (const [value, path, kind] of cases) {
      let err: unknown;
      try {
        desktop.setState({ language: "xx", recording: value as never });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BindValueError);
      expect((err as BindValueError).name).toBe("BindValueError");
      expect((err as BindValueError).key).toBe("recording");
      expect((err as BindValueError).path).toBe(path);
      expect((err as Error).message).toContain(`store key "recording" cannot be synced: ${path} is ${kind}`);
      desktop.setState({ recording: null, language: "en" }); // the app fixes it
    }
    expect(updates.n).toBe(0);
    await p.settle();
    expect(data(phone.getState())).toEqual({ theme: "dark", language: "en", recording: null });
    // a store that starts with such a value is refused at once
    expect(() => createStoreBinding(handMadeStore({ when: new Date() }))).toThrow(expect.objectContaining({ name: "BindValueError", key: "when" }));
  });

  it("`keys` picks what is synced; other keys stay local", async () => {
    const p = pairOf("bind-keys");
    pairs.push(p);
    const a = prefsStore();
    const b = prefsStore();
    const [ba, bb] = [createStoreBinding(a, { keys: ["theme"] }), createStoreBinding(b, { keys: ["theme"] })];
    bindings.push(ba, bb);
    const ready = [ba.attach(p.a).ready, bb.attach(p.b).ready];
    await p.pair();
    await Promise.all(ready);
    a.setState({ theme: "dark", language: "de" });
    await p.settle();
    expect(b.getState().theme).toBe("dark");
    expect(b.getState().language).toBe("en");
    expect([...p.b.doc.getMap("store").keys()]).toEqual(["theme"]);
  });
});

describe("store binding: session boundaries", () => {
  it("waits for connect, detaches on the end and leaves the store with its last values", async () => {
    const { p, desktop, phone, sd, sp } = await boundPair("bind-end");
    desktop.setState({ recording: { title: "kept", status: "recording", marks: [3] } });
    await p.settle();
    const before = data(phone.getState());
    await p.a.end();
    await p.settle();
    expect([sd.status, sp.status]).toEqual(["detached", "detached"]);
    // the doc was wiped on both; the stores keep what they had
    expect(p.b.doc.isDestroyed).toBe(true);
    expect(data(phone.getState())).toEqual(before);
    expect(data(desktop.getState())).toEqual(before);
    // and stay usable: a change after the end is local only
    phone.setState({ theme: "offline" });
    expect(phone.getState().theme).toBe("offline");
  });

  it("a session that ends before pairing rejects `ready` with BindDetachedError; the binding attaches again next session", async () => {
    const p = pairOf("bind-early-end");
    pairs.push(p);
    const store = prefsStore();
    const binding = createStoreBinding(store);
    bindings.push(binding);
    const s = binding.attach(p.a);
    expect(() => binding.attach(p.b)).toThrow(expect.objectContaining({ name: "BindStateError" }));
    await p.a.host();
    await p.a.end();
    await expect(s.ready).rejects.toMatchObject({ name: "BindDetachedError" });
    expect(s.status).toBe("detached");
    const q = pairOf("bind-early-end-2");
    pairs.push(q);
    const other = createStoreBinding(prefsStore({ theme: "other" }), { seed: "join" });
    bindings.push(other);
    const s2 = binding.attach(q.a);
    const o2 = other.attach(q.b);
    await q.pair();
    await Promise.all([s2.ready, o2.ready]);
    // the host's policy decides (newest; two fresh stamps tie and the host wins), not the joiner's "join"
    expect(store.getState().theme).toBe("light");
    expect(data(q.b.doc.getMap("store").toJSON())).toEqual(data(store.getState()));
    // attaching to an engine that already ended detaches at once
    expect(createStoreBinding(prefsStore()).attach(p.a).status).toBe("detached");
  });

  it("bindStore: one store for one session, disposed at the end", async () => {
    const p = pairOf("bind-one-shot");
    pairs.push(p);
    const a = handMadeStore({ n: 1 });
    const b = handMadeStore({ n: 2 });
    const ready = [bindStore(p.a, a).ready, bindStore(p.b, b).ready];
    await p.pair();
    await Promise.all(ready);
    expect(b.getState().n).toBe(1); // fresh bindings tie: the host's value
    a.setState({ n: 5 });
    await p.settle();
    expect(b.getState().n).toBe(5);
    const setsBefore = b.sets;
    await p.b.end();
    a.setState({ n: 6 });
    await p.settle();
    expect(b.getState().n).toBe(5);
    expect(b.sets).toBe(setsBefore);
  });
});
