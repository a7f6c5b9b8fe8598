/**
 * The one place the memory-scan test learns which key values existed. Today it listens to the
 * key store's retire hook (every store buffer, seen right before it is zeroed, however short its
 * life); when the runtime's testing registry replaces that hook, only this file changes.
 * Values go straight into the masked needle set: no plain copy is ever made here.
 */
import { watchRetiredKeys } from "../../src/adapters/crypto/key-store.js";
import type { NeedleSet } from "./scan/needles.js";

export interface KeyCollection {
  /** Count of buffers seen per store label. */
  readonly labels: Record<string, number>;
  /** Stop listening. */
  stop(): void;
}

/**
 * Adds every key value retired from now on to `needles` (kind "key", or "code" for the pairing
 * code's bytes), tagged with `tag()` at the time it is seen (end path and backend).
 */
export function collectKeyValues(needles: NeedleSet, tag: () => string): KeyCollection {
  const labels: Record<string, number> = {};
  const stop = watchRetiredKeys((label, buffer) => {
    labels[label] = (labels[label] ?? 0) + 1;
    needles.addBytes(label === "pairing-code" ? "code" : "key", `${tag()}:${label}`, buffer, 16);
  });
  return { labels, stop };
}
