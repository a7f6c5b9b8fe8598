/**
 * Seed policies at pairing (host, join, newest), each on two engines with real Zustand stores,
 * the pure decision function, and the property: after any interleaving of edits on both sides
 * (before pairing, live, during a link outage and between sessions) and a new pairing, both
 * stores end equal, and equal to the document.
 */
import { afterEach, describe, expect, it } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { createStoreBinding, seed, type SeedPolicy, type StoreBinding } from "../../src/bind/index.js";
import type { EnginePair } from "../../src/testing/index.js";
import { data, handMadeStore, pairOf, prefsStore } from "./helpers.js";

const pairs: EnginePair[] = [];
const bindings: StoreBinding[] = [];
afterEach(async () => {
  for (const b of bindings.splice(0)) b.dispose();
  for (const p of pairs.splice(0)) await Promise.all([p.a.end(), p.b.end()]);
});
const bind = (...args: Parameters<typeof createStoreBinding>) => {
  const b = createStoreBinding(...args);
  bindings.push(b);
  return b;
};

/** Pair `host`'s binding on a fresh engine pair's a, `join`'s on b; resolves when both are live. */
async function session(seedName: string, host: StoreBinding, join: StoreBinding): Promise<EnginePair> {
  const p = pairOf(seedName);
  pairs.push(p);
  const ready = [host.attach(p.a).ready, join.attach(p.b).ready];
  await p.pair();
  await Promise.all(ready);
  await p.settle();
  return p;
}

describe("seed policies: both devices hold values at pairing", () => {
  const stores = () => ({
    desktop: prefsStore({ theme: "dark", language: "en" }),
    phone: prefsStore({ theme: "light", language: "de", panel: "notes" }),
  });

  it('"host": where both hold a value the host\'s wins; a key only one side holds is kept', async () => {
    const { desktop, phone } = stores();
    await session("seed-host", bind(desktop, { seed: "host" }), bind(phone, { seed: "host" }));
    const want = { theme: "dark", language: "en", recording: null, panel: "notes" };
    expect(data(desktop.getState())).toEqual(want);
    expect(data(phone.getState())).toEqual(want);
  });

  it('"join": the joiner\'s values win', async () => {
    const { desktop, phone } = stores();
    await session("seed-join", bind(desktop, { seed: "join" }), bind(phone, { seed: "join" }));
    const want = { theme: "light", language: "de", recording: null, panel: "notes" };
    expect(data(desktop.getState())).toEqual(want);
    expect(data(phone.getState())).toEqual(want);
  });

  it('"newest": per key, the value changed last wins, whoever hosts the next session', async () => {
    const desktop = prefsStore();
    const phone = prefsStore();
    const bd = bind(desktop, { seed: "newest" });
    const bp = bind(phone, { seed: "newest" });
    const first = await session("seed-newest-1", bd, bp);
    desktop.setState({ theme: "dark" });
    await first.settle();
    await first.a.end();
    // apart: the phone changes the language, the desktop the recording, then the phone the theme
    phone.setState({ language: "fr" });
    desktop.setState({ recording: { title: "offline", status: "stopped", marks: [] } });
    phone.setState({ theme: "sepia" });
    desktop.setState({ panel: "settings" });
    // the phone hosts this time
    await session("seed-newest-2", bp, bd);
    const want = { theme: "sepia", language: "fr", recording: { title: "offline", status: "stopped", marks: [] }, panel: "settings" };
    expect(data(desktop.getState())).toEqual(want);
    expect(data(phone.getState())).toEqual(want);
  });

  it('"newest": a deletion made last wins over an older value', async () => {
    type S = { a?: number | undefined; b?: number | undefined };
    const x = handMadeStore<S>({ a: 1, b: 2 });
    const y = handMadeStore<S>({ a: 1, b: 2 });
    const bx = bind(x);
    const by = bind(y);
    const first = await session("seed-delete-1", bx, by);
    await first.b.end();
    x.setState({ a: undefined });
    const second = await session("seed-delete-2", by, bx);
    expect(x.getState()).toEqual({ a: undefined, b: 2 });
    expect(y.getState()).toEqual({ a: undefined, b: 2 });
    expect(second.a.doc.getMap("store").toJSON()).toEqual({ b: 2 });
  });

  it("a change on the joiner after its offer went out is kept over the seed", async () => {
    const desktop = prefsStore({ theme: "dark" });
    const phone = prefsStore({ theme: "light" });
    const p = pairOf("seed-late-edit");
    pairs.push(p);
    const sd = bind(desktop, { seed: "host" }).attach(p.a);
    const sp = bind(phone, { seed: "host" }).attach(p.b);
    let statusAtEdit = "";
    // Subscribed after the binding: runs right after the phone's offer went out, before the seed is back.
    p.b.events$.subscribe((e) => {
      if (e.type !== "connected") return;
      statusAtEdit = sp.status;
      phone.setState({ language: "it" });
    });
    await p.pair();
    await Promise.all([sd.ready, sp.ready]);
    expect(statusAtEdit).toBe("seeding");
    await p.settle();
    expect(data(desktop.getState())).toEqual({ theme: "dark", language: "it", recording: null });
    expect(data(phone.getState())).toEqual(data(desktop.getState()));
  });
});

describe("seed(): the decision", () => {
  it("host/join prefer their side where both hold a value and keep one-sided keys", () => {
    const host = { state: { a: 1, b: 2 }, stamps: {} };
    const join = { state: { a: 9, c: 3 }, stamps: {} };
    expect(seed("host", host, join).state).toEqual({ a: 1, b: 2, c: 3 });
    expect(seed("join", host, join).state).toEqual({ a: 9, b: 2, c: 3 });
  });
  it("newest compares counters, then writers; ties go to the host; the larger stamp is kept", () => {
    const host = { state: { a: 1, b: 2, c: 3 }, stamps: { a: [5, "h"], b: [2, "h"], c: [4, "a"] } as const };
    const join = { state: { a: 9, b: 8, c: 7 }, stamps: { a: [4, "j"], b: [3, "j"], c: [4, "b"] } as const };
    const r = seed("newest", host, join);
    expect(r.state).toEqual({ a: 1, b: 8, c: 7 });
    expect(r.stamps).toEqual({ a: [5, "h"], b: [3, "j"], c: [4, "b"] });
    expect(seed("newest", { state: { a: 1 }, stamps: {} }, { state: { a: 2 }, stamps: {} }).state).toEqual({ a: 1 });
  });
});

// ---- the property ---------------------------------------------------------------------------

const KEYS = ["theme", "language", "panel", "recording"] as const;
const value = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 6 }),
  fc.integer({ min: -3, max: 3 }),
  fc.record({ title: fc.string({ maxLength: 4 }), marks: fc.array(fc.integer(), { maxLength: 3 }) }),
);
type Op =
  | { t: "edit"; side: 0 | 1; key: (typeof KEYS)[number]; value: unknown }
  | { t: "settle" }
  | { t: "outage" };
const edit = fc.record({ t: fc.constant("edit" as const), side: fc.constantFrom(0 as const, 1 as const), key: fc.constantFrom(...KEYS), value });
const op: fc.Arbitrary<Op> = fc.oneof({ weight: 6, arbitrary: edit }, { weight: 2, arbitrary: fc.constant({ t: "settle" as const }) }, { weight: 1, arbitrary: fc.constant({ t: "outage" as const }) });

test.prop(
  [
    fc.constantFrom<SeedPolicy>("host", "join", "newest"),
    fc.array(edit, { maxLength: 4 }),
    fc.array(op, { maxLength: 14 }),
    fc.array(edit, { maxLength: 6 }),
    fc.boolean(),
    fc.integer({ min: 0, max: 2 ** 30 }),
  ],
  { numRuns: 25, timeout: 60_000 },
)(
  "after any interleaving of edits on both sides and a new pairing, both stores end equal",
  async (policy, before, during, between, swapHost, n) => {
    const stores = [prefsStore(), handMadeStore<Record<string, unknown>>({ theme: "light", language: "en" })] as const;
    const b = [bind(stores[0], { seed: policy }), bind(stores[1], { seed: policy })] as const;
    const apply = (e: { side: 0 | 1; key: string; value: unknown }) => stores[e.side].setState({ [e.key]: e.value });
    const equal = (p: EnginePair) => {
      const want = data(stores[0].getState());
      expect(data(stores[1].getState())).toEqual(want);
      expect(p.a.doc.getMap("store").toJSON()).toEqual(want);
      expect(p.b.doc.getMap("store").toJSON()).toEqual(want);
    };
    before.forEach(apply);
    const p = await session(`prop-1-${n}`, b[0], b[1]);
    for (const o of during) {
      if (o.t === "edit") apply(o);
      else if (o.t === "settle") await p.settle();
      else {
        // the link drops; edits go on on both sides; it heals and the engines reconnect
        p.network.partition(...p.names);
        await p.advance(1_000, 500);
        apply({ side: 0, key: "panel", value: `apart-${n}` });
        apply({ side: 1, key: "language", value: `apart-${n}` });
        p.network.heal();
        await p.advance(40_000, 500);
      }
    }
    await p.advance(40_000, 500);
    expect([p.a.snapshot().status, p.b.snapshot().status]).toEqual(["connected", "connected"]);
    equal(p);
    await p.a.end();
    await p.settle();
    between.forEach(apply);
    const q = await session(`prop-2-${n}`, swapHost ? b[1] : b[0], swapHost ? b[0] : b[1]);
    equal(q);
  },
);
