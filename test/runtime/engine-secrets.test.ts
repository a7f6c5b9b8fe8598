/**
 * Promise 5 of DESIGN §1: no secrets in observable state. Every key buffer that ever lived in
 * the engines' key stores is captured while live (a copy of its bytes, via probeEngine(…).watchSecrets),
 * and the secret words of the pairing code are noted; then every inspection event (xstate
 * `inspect`), every state$ snapshot, every events$ payload and every error message is
 * serialized and searched for any 8-byte window of any key (hex, base64, decimal list) and for
 * the code's words.
 */
import { describe, expect, it } from "vitest";
import type { InspectionEvent } from "xstate";
import { createEnginePair, probeEngine } from "../../src/testing/index.js";

/** JSON with Uint8Array as hex, Maps/Sets expanded, functions dropped and cycles cut. */
function serialize(x: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(x, (_k, v: unknown) => {
    if (typeof v === "function") return undefined;
    if (typeof v === "bigint") return v.toString();
    if (v instanceof Uint8Array) return Buffer.from(v).toString("hex");
    if (typeof v === "object" && v !== null) {
      if (seen.has(v)) return "[cycle]";
      seen.add(v);
      if (v instanceof Map) return [...v.entries()];
      if (v instanceof Set) return [...v.values()];
    }
    return v;
  });
}

/** The parts of an inspection event a devtool would see (what @statelyai/inspect sends). */
function inspectionView(e: InspectionEvent): unknown {
  const ref = e.actorRef as unknown as { id?: string; sessionId?: string; logic?: { config?: unknown } };
  const base: Record<string, unknown> = { type: e.type, actor: ref.id, session: ref.sessionId };
  if (e.type === "@xstate.event") base["event"] = e.event;
  if (e.type === "@xstate.snapshot" || e.type === "@xstate.microstep") {
    const s = e.snapshot as { value?: unknown; context?: unknown; status?: string; output?: unknown; error?: unknown };
    base["snapshot"] = { value: s.value, context: s.context, status: s.status, output: s.output, error: s.error };
    base["event"] = e.event;
  }
  if (e.type === "@xstate.action") base["action"] = e.action;
  if (e.type === "@xstate.actor") base["definition"] = ref.logic?.config; // includes initial context
  return base;
}

describe("no secrets in observable state", () => {
  it("keys and code words never appear in inspection events, snapshots, events or errors", async () => {
    const observed: string[] = [];
    const inspect = (e: InspectionEvent) => observed.push(serialize(inspectionView(e)));
    const p = createEnginePair({ seed: "secrets", engineOptions: { inspect }, timings: { rotationMs: 60_000 } });
    const keys = new Map<string, Uint8Array>();
    for (const e of [p.a, p.b]) {
      probeEngine(e).watchSecrets((live) => {
        for (const b of live) if (b.some((x) => x !== 0)) keys.set(Buffer.from(b).toString("hex"), b.slice());
      });
      e.state$.subscribe((s) => observed.push(serialize(s)));
      e.events$.subscribe((ev) => observed.push(serialize(ev)));
    }
    const { code } = await p.a.host();
    const words = code.split("-").slice(1);
    await p.b.join(code);
    p.a.doc.getMap("prefs").set("theme", "dark");
    await p.settle();
    await p.advance(130_000, 5_000); // rotations, then the dead-man's end
    observed.push(serialize(p.a.snapshot()), serialize(p.b.snapshot()));
    // an error path too: a wrong code on a second pair, its error's name and message
    const q = createEnginePair({ seed: "secrets-2", engineOptions: { inspect } });
    const { code: code2 } = await q.a.host();
    const err = await q.b.join(`${code2.split("-")[0]}-${words.join("-")}`).then(() => undefined, (e: unknown) => e as Error);
    if (err) observed.push(`${err.name} ${err.message}`);
    await q.settle();

    expect(keys.size).toBeGreaterThan(8); // SPAKE2, confirmation, root, traffic, signal, ratchet keys
    expect(observed.length).toBeGreaterThan(100);
    const haystack = observed.join("\n");
    const needles: string[] = [];
    for (const k of keys.values()) {
      for (let i = 0; i + 8 <= k.length; i += 8) {
        const w = k.subarray(i, i + 8);
        needles.push(Buffer.from(w).toString("hex"), Buffer.from(w).toString("base64").slice(0, 10), Array.from(w).join(","));
      }
    }
    // canary: the search does find a key that is serialized (hex, or as a plain number list)
    const canaryKey = [...keys.values()][0]!;
    expect(needles.some((n) => serialize({ leak: canaryKey }).includes(n))).toBe(true);
    expect(needles.some((n) => JSON.stringify(Array.from(canaryKey)).includes(n))).toBe(true);
    for (const n of needles) expect(haystack.includes(n), `a key fragment (${n.length} chars) leaked`).toBe(false);
    for (const w of words) expect(haystack.includes(w), "a code word leaked").toBe(false);
    expect(haystack.includes(code)).toBe(false);
  });
});
