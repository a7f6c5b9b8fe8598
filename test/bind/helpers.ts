/**
 * Test helpers for the store binding: a tiny hand-made store (the shape without Zustand), a
 * Zustand vanilla store, and two devices' stores bound to a memory-network engine pair.
 */
import { createStore } from "zustand/vanilla";
import { createEnginePair, type EnginePair } from "../../src/testing/index.js";
import type { BindableStore } from "../../src/bind/index.js";

/** The whole store contract in a dozen lines: getState, setState (shallow merge), subscribe. */
export function handMadeStore<S extends object>(initial: S): BindableStore<S> & { readonly sets: number } {
  let state = initial;
  let sets = 0;
  const listeners = new Set<(s: S, p: S) => void>();
  return {
    getState: () => state,
    setState(partial) {
      const prev = state;
      state = { ...state, ...partial };
      sets++;
      for (const l of listeners) l(state, prev);
    },
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    get sets() {
      return sets;
    },
  };
}

export interface Prefs {
  theme: string;
  language: string;
  recording: { title: string; status: string; marks: number[] } | null;
  panel?: string | undefined;
  setTheme(theme: string): void;
}

/** A Zustand store as an app writes one: state plus an action. */
export function prefsStore(initial: Partial<Omit<Prefs, "setTheme">> = {}) {
  return createStore<Prefs>()((set) => ({
    theme: "light",
    language: "en",
    recording: null,
    ...initial,
    setTheme: (theme) => set({ theme }),
  }));
}

/** A fresh engine pair on the memory network (a = host, b = joiner). */
export function pairOf(seed: string | number): EnginePair {
  return createEnginePair({ seed, engineOptions: { timings: { peerGoneMs: 10 * 60_000, inactivityMs: 60 * 60_000 } } });
}

/** The synced part of a store's state: functions and undefined dropped (undefined = absent). */
export function data(state: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(state).filter(([, v]) => v !== undefined && typeof v !== "function"));
}
