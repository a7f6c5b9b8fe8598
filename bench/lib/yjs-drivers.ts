/**
 * The two Yjs workloads, driven identically through any pair of docs that sync (the engine over
 * werift, y-websocket through its server): sequential set → observe latency, and a burst of
 * sets until the last one arrives. Each set is its own transaction, as a host app would do it.
 */
import type * as Y from "yjs";
import { nowMs } from "./stats.js";

export interface DocPair {
  readonly a: Y.Doc;
  readonly b: Y.Doc;
}

/** Resolves when `doc`'s map `name` holds `value` at `key` (checked at once and on each change). */
function whenValue(doc: Y.Doc, name: string, key: string, value: string, timeoutMs: number): Promise<void> {
  const map = doc.getMap<string>(name);
  if (map.get(key) === value) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      map.unobserve(on);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${key}`));
    }, timeoutMs);
    const on = () => {
      if (map.get(key) === value) {
        clearTimeout(timer);
        map.unobserve(on);
        resolve();
      }
    };
    map.observe(on);
  });
}

/**
 * `count` sequential single-key sets on A (cycling 50 preference keys), each timed until B's
 * observer sees it. Returns per-set latencies in ms (after `warmup` untimed sets).
 */
export async function setObserveLatency(pair: DocPair, count: number, warmup = 50, tag = "l"): Promise<number[]> {
  const ma = pair.a.getMap<string>("prefs");
  const out: number[] = [];
  for (let i = 0; i < warmup + count; i++) {
    const key = `pref${i % 50}`;
    const value = `${tag}${i}`;
    const seen = whenValue(pair.b, "prefs", key, value, 10_000);
    const t = nowMs();
    ma.set(key, value);
    await seen;
    if (i >= warmup) out.push(nowMs() - t);
  }
  return out;
}

export interface BurstResult {
  readonly ms: number;
  readonly sets: number;
  /** Sum of the Yjs update sizes A produced (what any sync engine must move). */
  readonly updateBytes: number;
}

/** `count` distinct-key sets on A in one synchronous burst, timed until B has the last one. */
export async function setBurst(pair: DocPair, count: number, tag: string, timeoutMs = 120_000): Promise<BurstResult> {
  const map = pair.a.getMap<string>(`burst-${tag}`);
  let updateBytes = 0;
  const onUpdate = (u: Uint8Array) => {
    updateBytes += u.length;
  };
  pair.a.on("update", onUpdate);
  const last = `k${count - 1}`;
  const arrived = whenValue(pair.b, `burst-${tag}`, last, `v${count - 1}`, timeoutMs);
  const t = nowMs();
  for (let i = 0; i < count; i++) map.set(`k${i}`, `v${i}`);
  await arrived;
  const ms = nowMs() - t;
  pair.a.off("update", onUpdate);
  return { ms, sets: count, updateBytes };
}

/**
 * Bulk: `count` sets of distinct `size`-byte binary values on A in one burst, timed until B has
 * the last one. Returns MiB/s of value bytes (the payload a user asked to move).
 */
export async function binaryBurst(pair: DocPair, count: number, size: number, tag: string, timeoutMs = 120_000): Promise<number> {
  const name = `bulk-${tag}`;
  const ma = pair.a.getMap<Uint8Array>(name);
  const mb = pair.b.getMap<Uint8Array>(name);
  const last = `b${count - 1}`;
  const arrived = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bulk timed out after ${timeoutMs} ms`)), timeoutMs);
    const on = () => {
      if (mb.has(last)) {
        clearTimeout(timer);
        mb.unobserve(on);
        resolve();
      }
    };
    mb.observe(on);
  });
  const value = new Uint8Array(size).fill(5);
  const t = nowMs();
  for (let i = 0; i < count; i++) ma.set(`b${i}`, value);
  await arrived;
  const ms = nowMs() - t;
  if (mb.get(last)?.length !== size) throw new Error("bulk value arrived with the wrong size");
  return (count * size) / 2 ** 20 / (ms / 1000);
}
