/**
 * How nameplates are picked: small decimal numbers, random within a range that widens only when
 * the small ones are busy (1–99, then 1–999, …). Random rather than lowest-free so a released
 * number is not predictably the next one handed out; the store adds the cool-down.
 */
export const NAMEPLATE_TRIES_PER_RANGE = 12;
export const NAMEPLATE_RANGES = [99, 999, 9_999, 99_999, 999_999] as const;

export function* nameplateCandidates(random: () => number = Math.random): Generator<string> {
  for (const max of NAMEPLATE_RANGES) {
    for (let i = 0; i < NAMEPLATE_TRIES_PER_RANGE; i++) yield String(1 + Math.floor(random() * max));
  }
}
