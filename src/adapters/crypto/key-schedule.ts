/**
 * Lethe's key schedule (docs/protocol.md §3–4). Every derivation is HKDF-SHA256 or
 * HMAC-SHA256 with an ASCII label; this file is the transcription of that table. Outputs are new
 * buffers: callers hand them to the KeyStore at once.
 */
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concat, utf8, writeU32 } from "./bytes.js";

export type Direction = "lo" | "hi";
const EMPTY = new Uint8Array(0);

/** th = SHA256("lethe/v1 transcript" || msg_lo(33) || msg_hi(33)). */
export function transcriptHash(msgLo: Uint8Array, msgHi: Uint8Array): Uint8Array {
  return sha256(concat(utf8("lethe/v1 transcript"), msgLo, msgHi));
}

/** kc_lo || kc_hi = HKDF(ikm = K, salt = th, info = "lethe/v1 confirm", 64). */
export function confirmationKeys(k: Uint8Array, th: Uint8Array): Uint8Array {
  return hkdf(sha256, k, th, utf8("lethe/v1 confirm"), 64);
}

/** tag_dir = HMAC-SHA256(kc_dir, "lethe/v1 confirm " + dir || th). */
export function confirmationTag(kcDir: Uint8Array, dir: Direction, th: Uint8Array): Uint8Array {
  return hmac(sha256, kcDir, concat(utf8(`lethe/v1 confirm ${dir}`), th));
}

/** root_0 = HKDF(ikm = K, salt = th, info = "lethe/v1 root", 32). */
export function rootKey(k: Uint8Array, th: Uint8Array): Uint8Array {
  return hkdf(sha256, k, th, utf8("lethe/v1 root"), 32);
}

/** SAS bytes = HKDF(ikm = K, salt = th, info = "lethe/v1 sas", n). */
export function sasBytes(k: Uint8Array, th: Uint8Array, n: number): Uint8Array {
  return hkdf(sha256, k, th, utf8("lethe/v1 sas"), n);
}

/** k[e][dir] = HKDF(ikm = root_e, salt = "", info = "lethe/v1 traffic " + dir, 32). */
export function trafficKey(root: Uint8Array, dir: Direction): Uint8Array {
  return hkdf(sha256, root, EMPTY, utf8(`lethe/v1 traffic ${dir}`), 32);
}

/** s[dir] = HKDF(ikm = root_0, salt = "", info = "lethe/v1 signal " + dir, 32). */
export function signalKey(root0: Uint8Array, dir: Direction): Uint8Array {
  return hkdf(sha256, root0, EMPTY, utf8(`lethe/v1 signal ${dir}`), 32);
}

/** mailbox = HKDF(ikm = root_0, salt = "", info = "lethe/v1 mailbox", 16); public. */
export function mailboxBytes(root0: Uint8Array): Uint8Array {
  return hkdf(sha256, root0, EMPTY, utf8("lethe/v1 mailbox"), 16);
}

/**
 * root_{e+1} = HKDF(ikm = DH, salt = root_e,
 *                   info = "lethe/v1 ratchet" || u32be(e+1) || pub_initiator || pub_responder, 32).
 */
export function ratchetRoot(root: Uint8Array, dh: Uint8Array, nextEpoch: number, pubInitiator: Uint8Array, pubResponder: Uint8Array): Uint8Array {
  const e = new Uint8Array(4);
  writeU32(e, 0, nextEpoch);
  return hkdf(sha256, dh, root, concat(utf8("lethe/v1 ratchet"), e, pubInitiator, pubResponder), 32);
}

export const otherDirection = (d: Direction): Direction => (d === "lo" ? "hi" : "lo");
