/**
 * Randomness for secrets, drawn straight into the buffer that will hold them. The default is the
 * platform CSPRNG (`crypto.getRandomValues`, as @noble/hashes' `randomBytes` uses) writing into
 * the caller's off-heap buffer, so no other copy exists. An injected source (tests, seeded
 * engines) hands back its own array: its bytes are copied in and that array is zeroed at once.
 */
import { abytes } from "./bytes.js";

/** Source of random bytes (tests inject one); must return exactly `n` bytes. */
export type RandomSource = (n: number) => Uint8Array;

/** Fills `out` with random bytes from `random`, or from the platform CSPRNG. */
export function fillRandom(out: Uint8Array, random?: RandomSource): void {
  if (random === undefined) {
    const cr = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
    if (typeof cr?.getRandomValues !== "function") throw new Error("crypto.getRandomValues must be defined");
    cr.getRandomValues(out);
    return;
  }
  const n = out.length;
  const r = random(n);
  try {
    abytes(r, `random(${n})`, n);
    out.set(r);
  } finally {
    if (r instanceof Uint8Array) r.fill(0);
  }
}
