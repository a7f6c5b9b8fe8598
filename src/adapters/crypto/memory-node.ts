/**
 * Process-wide memory hardening for Node hosts (`lethe-sync/crypto/node`).
 *
 * JavaScript cannot zero what the VM copies: the bigints inside SPAKE2 and noble's X25519, every
 * string (the document's text, the pairing code as typed), objects the garbage collector moved.
 * Freed, those bytes stay in the heap until something reuses the memory, which a memory dump
 * finds. V8's `--clear-free-memory` makes the collector zero what it frees, so after a GC they
 * are gone. Measured by test/forgetting (docs/threat-model.md): SPAKE2 values left after 8
 * handshakes, noble X25519 pieces after rotations and pairing-code copies all drop to 0, and
 * document-content copies roughly halve. The cost is the zeroing of freed memory on every GC of
 * the whole process (`npm run bench:forgetting` measures it), so the host decides: call this once,
 * early, before sessions start. Idempotent.
 */
import { setFlagsFromString } from "node:v8";

let enabled = false;

/** Makes V8 zero heap memory its garbage collector frees, for the rest of this process. */
export function clearFreedMemory(): void {
  if (enabled) return;
  setFlagsFromString("--clear-free-memory");
  enabled = true;
}
