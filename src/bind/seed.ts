/**
 * The seed decision at pairing, as a pure function both devices could compute (the host does,
 * and writes the result into the document): for every key either side holds or has a stamp for,
 * which value both stores start the session with.
 *
 * - `host`: where both hold a value, the host's; a key only one side holds is kept.
 * - `join`: the same with the joiner preferred.
 * - `newest`: the side with the larger stamp (stamps.ts); a side that neither holds the key nor
 *   has a stamp for it never wins. A deletion with the larger stamp deletes on both.
 * Equal stamps (e.g. two fresh bindings) fall back to the host. Each key then carries the larger
 * of the two stamps on both devices.
 */
import { compareStamps, type Stamp } from "./stamps.js";

export type SeedPolicy = "host" | "join" | "newest";
export const SEED_POLICIES: readonly SeedPolicy[] = ["host", "join", "newest"];

export interface SeedSide {
  /** Synced keys and their values (undefined = not held). */
  readonly state: Readonly<Record<string, unknown>>;
  readonly stamps: Readonly<Record<string, Stamp>>;
}

export interface SeedResult {
  /** Every key's starting value; undefined = deleted on both. */
  readonly state: Record<string, unknown>;
  readonly stamps: Record<string, Stamp>;
}

const UNSTAMPED: Stamp = [0, ""];

export function seed(policy: SeedPolicy, host: SeedSide, join: SeedSide): SeedResult {
  const keys = new Set([...Object.keys(host.state), ...Object.keys(host.stamps), ...Object.keys(join.state), ...Object.keys(join.stamps)]);
  const state: Record<string, unknown> = {};
  const stamps: Record<string, Stamp> = {};
  for (const k of keys) {
    const hostHolds = host.state[k] !== undefined;
    const joinHolds = join.state[k] !== undefined;
    let hostWins: boolean;
    if (policy === "host") hostWins = hostHolds || !joinHolds;
    else if (policy === "join") hostWins = !(joinHolds || !hostHolds);
    else {
      const hs = host.stamps[k] ?? (hostHolds ? UNSTAMPED : undefined);
      const js = join.stamps[k] ?? (joinHolds ? UNSTAMPED : undefined);
      hostWins = js === undefined || (hs !== undefined && compareStamps(hs, js) >= 0);
    }
    state[k] = (hostWins ? host : join).state[k];
    // Both devices take the larger stamp, so the next pairing orders later edits after this one.
    const hs = host.stamps[k];
    const js = join.stamps[k];
    const stamp = hs === undefined ? js : js === undefined ? hs : compareStamps(hs, js) >= 0 ? hs : js;
    if (stamp !== undefined) stamps[k] = stamp;
  }
  return { state, stamps };
}
