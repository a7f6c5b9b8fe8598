/**
 * Node entry of the crypto adapter (`lethe-sync/crypto/node`): everything in the universal
 * entry plus the node:crypto AES-256-GCM backend, and a `defaultAead()` that picks it.
 * Browser builds import `lethe-sync/crypto` and never see `node:crypto`.
 */
import type { Aead } from "./aead.js";
import { nodeAead } from "./aead-node.js";

export * from "./index.js";
export { nodeAead } from "./aead-node.js";

/** On Node the default AEAD is node:crypto's AES-256-GCM. */
export function defaultAead(): Aead {
  return nodeAead;
}
