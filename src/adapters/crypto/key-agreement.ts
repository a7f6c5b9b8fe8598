/**
 * The key agreement of the rotation ratchet (X25519, RFC 7748) behind one interface, like the
 * AEAD: the universal backend on @noble/curves here, the node:crypto one in
 * key-agreement-node.ts (Node entry only). Same public keys and shared secrets either way.
 *
 * Why two: with noble the ephemeral secret is a KeyStore buffer, but noble copies it into heap
 * arrays, a hex string and bigints that JavaScript cannot zero (docs/threat-model.md gives the
 * figure). With node:crypto the secret is generated and used inside OpenSSL and never enters
 * JavaScript at all; only the shared secret comes back, and it goes into the KeyStore.
 */
import { KeyStoreWipedError } from "./errors.js";
import { x25519Public, x25519SharedInto } from "./dh.js";
import type { KeyStore } from "./key-store.js";
import { fillRandom, type RandomSource } from "./random.js";

export interface EphemeralKey {
  /** Our 32-byte public key (public). */
  readonly publicKey: Uint8Array;
  /** DH(ours, peerPublic) written into `out` (32 bytes); RotationError for a malformed or low-order key. */
  agreeInto(out: Uint8Array, peerPublic: Uint8Array): void;
  /** Forgets the private key (zeroed, or dropped for OpenSSL to free). Idempotent. */
  destroy(): void;
}

export interface KeyAgreement {
  /** Backend name for diagnostics ("noble-x25519", "node-x25519"). */
  readonly name: string;
  /**
   * A fresh ephemeral key pair. A private key that lives in JavaScript is born in `keyStore`
   * (so `wipe()` zeroes it); with `random` the key is drawn from it (tests replay seeds).
   */
  generate(keyStore: KeyStore, random?: RandomSource): EphemeralKey;
}

/** X25519 on @noble/curves; the secret is a KeyStore buffer ("x25519-ephemeral"). */
export const nobleX25519: KeyAgreement = {
  name: "noble-x25519",
  generate(keyStore, random) {
    const secret = keyStore.derive("x25519-ephemeral", 32, (out) => fillRandom(out, random));
    let live = true;
    return {
      publicKey: x25519Public(secret),
      agreeInto(out, peerPublic) {
        if (!live) throw new KeyStoreWipedError("ephemeral key destroyed");
        x25519SharedInto(out, secret, peerPublic);
      },
      destroy() {
        live = false;
        keyStore.release(secret);
      },
    };
  },
};

/**
 * The universal default: @noble/curves. Node hosts take `defaultKeyAgreement()` from
 * `lethe-sync/crypto/node` instead, which returns `nodeX25519`.
 */
export function defaultKeyAgreement(): KeyAgreement {
  return nobleX25519;
}
