/**
 * node:crypto X25519 (Node only; import it through `lethe-sync/crypto/node`). Same bytes as
 * `nobleX25519`. The ephemeral private key is generated inside OpenSSL and never copied into
 * JavaScript: the KeyObject is dropped when the key is destroyed, and OpenSSL cleanses the key
 * (`ecx_key_free` -> `OPENSSL_secure_clear_free`) when V8 collects that KeyObject. The shared
 * secret comes back in a Buffer, is copied into the caller's KeyStore buffer and zeroed at once.
 *
 * With an injected `random` (seeded tests) the private key is drawn from it instead, built as a
 * PKCS#8 DER in an off-heap buffer that is zeroed right after OpenSSL has parsed it.
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from "node:crypto";
import { offHeap } from "./bytes.js";
import { checkPeerPublic, takeShared, X25519_BYTES } from "./dh.js";
import { KeyStoreWipedError, RotationError } from "./errors.js";
import type { KeyAgreement } from "./key-agreement.js";
import { fillRandom } from "./random.js";

// DER headers of an X25519 SubjectPublicKeyInfo and PrivateKeyInfo (RFC 8410); the key follows.
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00]);
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]);

function publicFromRaw(raw: Uint8Array): KeyObject {
  const der = new Uint8Array(SPKI_PREFIX.length + X25519_BYTES);
  der.set(SPKI_PREFIX, 0);
  der.set(raw, SPKI_PREFIX.length);
  return createPublicKey({ key: Buffer.from(der.buffer, der.byteOffset, der.length), format: "der", type: "spki" });
}

function rawPublic(key: KeyObject): Uint8Array {
  const der = key.export({ format: "der", type: "spki" });
  return Uint8Array.from(der.subarray(der.length - X25519_BYTES));
}

function privateFromRandom(random: (n: number) => Uint8Array): KeyObject {
  const der = offHeap(PKCS8_PREFIX.length + X25519_BYTES);
  try {
    der.set(PKCS8_PREFIX, 0);
    fillRandom(der.subarray(PKCS8_PREFIX.length), random);
    return createPrivateKey({ key: Buffer.from(der.buffer, der.byteOffset, der.length), format: "der", type: "pkcs8" });
  } finally {
    der.fill(0);
  }
}

export const nodeX25519: KeyAgreement = {
  name: "node-x25519",
  generate(_keyStore, random) {
    let privateKey: KeyObject | undefined;
    let publicKey: KeyObject;
    if (random) {
      privateKey = privateFromRandom(random);
      publicKey = createPublicKey(privateKey);
    } else {
      ({ privateKey, publicKey } = generateKeyPairSync("x25519"));
    }
    return {
      publicKey: rawPublic(publicKey),
      agreeInto(out, peerPublic) {
        if (!privateKey) throw new KeyStoreWipedError("ephemeral key destroyed");
        checkPeerPublic(peerPublic);
        if (!(out instanceof Uint8Array) || out.length !== X25519_BYTES) throw new RangeError("x25519 output: expected 32 bytes");
        let shared: Buffer;
        try {
          shared = diffieHellman({ privateKey, publicKey: publicFromRaw(peerPublic) });
        } catch {
          // OpenSSL refuses malformed keys and an all-zero result (a low-order peer key).
          throw new RotationError("X25519 public key refused (low order)");
        }
        takeShared(out, shared);
      },
      destroy() {
        privateKey = undefined;
      },
    };
  },
};
