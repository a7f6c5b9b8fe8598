/**
 * The Node entry of the runtime (`lethe-sync` under the "node" export condition): everything
 * the universal entry (index.ts) has, but `createSyncEngine` defaults to node:crypto's
 * AES-256-GCM (perf-baselines §2: 5× faster than @noble/ciphers at 100 B, 31× at 16 KB; the
 * bulk-throughput target needs it) and node:crypto's X25519 (the ratchet's private keys stay
 * inside OpenSSL, out of JavaScript memory). Same wire bytes either way. Browser builds import
 * index.ts, which never loads `node:*`.
 */
import { nodeAead, nodeX25519 } from "../adapters/crypto/node.js";
import { createSyncEngine as createUniversal } from "./engine.js";
import type { SyncEngine, SyncEngineOptions } from "./types.js";

export * from "./index.js";

/** createSyncEngine with node:crypto AES-256-GCM and X25519 unless the options say otherwise. */
export function createSyncEngine(options: SyncEngineOptions): SyncEngine {
  if (options === null || typeof options !== "object") return createUniversal(options);
  return createUniversal({ ...options, aead: options.aead ?? nodeAead, keyAgreement: options.keyAgreement ?? nodeX25519 });
}
