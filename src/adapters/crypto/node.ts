/**
 * Node entry of the crypto adapter (`lethe-sync/crypto/node`): everything in the universal
 * entry plus the node:crypto backends (AES-256-GCM, X25519), `defaultAead()` /
 * `defaultKeyAgreement()` that pick them, and `clearFreedMemory()` (V8 zeroes what its GC frees). Browser builds import `lethe-sync/crypto` and never
 * see `node:crypto`.
 */
import type { Aead } from "./aead.js";
import { nodeAead } from "./aead-node.js";
import type { KeyAgreement } from "./key-agreement.js";
import { nodeX25519 } from "./key-agreement-node.js";

export * from "./index.js";
export { nodeAead } from "./aead-node.js";
export { nodeX25519 } from "./key-agreement-node.js";
export { clearFreedMemory } from "./memory-node.js";

/** On Node the default X25519 backend is node:crypto's. */
export function defaultKeyAgreement(): KeyAgreement {
  return nodeX25519;
}

/** On Node the default AEAD is node:crypto's AES-256-GCM. */
export function defaultAead(): Aead {
  return nodeAead;
}
