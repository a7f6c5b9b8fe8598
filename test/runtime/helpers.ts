/**
 * Shared test helpers for the engine suites: watch an engine's key buffers (so a test can hold
 * them and check zeros after the end), collect its events, and the forgetting checks.
 */
import { expect } from "vitest";
import type { EngineEvent, SyncEngine } from "../../src/runtime/index.js";
import { probeEngine } from "../../src/testing/index.js";

/** Holds every secret buffer the engine's key store exposes, sampled on every event and state. */
export function watchKeys(engine: SyncEngine): { buffers: Set<Uint8Array>; sample: () => void } {
  const buffers = new Set<Uint8Array>();
  const probe = probeEngine(engine);
  const sample = () => {
    for (const b of probe.secretBuffers()) buffers.add(b);
  };
  probe.watchSecrets((live) => {
    for (const b of live) buffers.add(b);
  });
  return { buffers, sample };
}

export function collectEvents(engine: SyncEngine): { events: EngineEvent[]; completed: () => boolean } {
  const events: EngineEvent[] = [];
  let done = false;
  engine.events$.subscribe({ next: (e) => events.push(e), complete: () => (done = true) });
  return { events, completed: () => done };
}

export const allZero = (b: Uint8Array): boolean => b.every((x) => x === 0);

/** Everything DESIGN §1.4 promises after an end. */
export function expectForgotten(
  engine: SyncEngine,
  keys: { buffers: Set<Uint8Array> },
  ev: { events: EngineEvent[]; completed: () => boolean },
  reason: string,
): void {
  expect(engine.snapshot().status).toBe("ended");
  expect(engine.snapshot().endReason).toBe(reason);
  expect(keys.buffers.size).toBeGreaterThan(0);
  for (const b of keys.buffers) expect(allZero(b)).toBe(true);
  const probe = probeEngine(engine);
  expect(probe.keyStoreWiped).toBe(true);
  expect(probe.docDestroyed).toBe(true);
  expect(probe.secretBuffers()).toEqual([]);
  expect(engine.doc.isDestroyed).toBe(true);
  expect(engine.doc.getMap("prefs").size).toBe(0);
  expect(engine.awareness.getStates().size).toBe(0);
  expect(probe.liveResources()).toEqual([]);
  expect(ev.completed()).toBe(true);
  expect(ev.events.at(-1)).toEqual({ type: "ended", reason });
}
