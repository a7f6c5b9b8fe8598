/**
 * UDP datagrams the kernel dropped because a socket's receive buffer was full (`RcvbufErrors`
 * in /proc/net/snmp: system-wide, Linux only). Bulk over werift on loopback loses a few dozen of
 * ~7,000 datagrams a burst this way — both endpoints share one thread, and while it is busy the
 * receiving socket's buffer (`net.core.rmem_default`, 208 KiB here) overflows — and each loss
 * costs an SCTP recovery whose timing can decide a trial. The bulk rows report the count so a
 * slow trial can be told from a slow engine (docs/performance.md, "Issue 11, seventh pass").
 */
import { readFileSync } from "node:fs";
import { median } from "./stats.js";

export function udpReceiveBufferDrops(): number | undefined {
  try {
    const [names, values] = readFileSync("/proc/net/snmp", "utf8")
      .split("\n")
      .filter((l) => l.startsWith("Udp:"))
      .map((l) => l.trim().split(/\s+/));
    const i = names?.indexOf("RcvbufErrors") ?? -1;
    const n = i > 0 ? Number(values?.[i]) : NaN;
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined; // not Linux, or no procfs: the rows say nothing about drops
  }
}

/** `f`, with the drops counted while it ran appended to `into` (when the counter exists). */
export function countingDrops<T>(into: number[], f: () => Promise<T>): () => Promise<T> {
  return async () => {
    const before = udpReceiveBufferDrops();
    const value = await f();
    const after = udpReceiveBufferDrops();
    if (before !== undefined && after !== undefined) into.push(after - before);
    return value;
  };
}

/** "; UDP receive-buffer drops per burst …" for a row's note, or "" without the counter. */
export function dropsNote(engine: readonly number[], floor: readonly number[]): string {
  if (engine.length === 0 || floor.length === 0) return "";
  return `; UDP receive-buffer drops per burst, median (max): engine ${median(engine)} (${Math.max(...engine)}), floor ${median(floor)} (${Math.max(...floor)})`;
}
