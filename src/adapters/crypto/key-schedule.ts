/**
 * Lethe's key schedule (docs/protocol.md §3–4). Every derivation is HKDF-SHA256 or
 * HMAC-SHA256 with an ASCII label; this file is the transcription of that table.
 *
 * Secret outputs are written into buffers the caller allocated from the KeyStore (`...Into`),
 * so a key is born in the off-heap buffer it lives in and no other copy is ever made (kdf.ts).
 * Public outputs (transcript hash, tags, SAS bytes, mailbox id) are returned as new arrays.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { utf8, writeU32 } from "./bytes.js";
import { hkdfSha256Into, hmacSha256Into } from "./kdf.js";

export type Direction = "lo" | "hi";
const EMPTY = new Uint8Array(0);

/** Commitment length: SHA-256. */
export const COMMITMENT_BYTES = 32;

/**
 * commit = SHA256("lethe/v1 commit" || msg_host(33)): the host's commitment to its SPAKE2
 * message, sent before the joiner's message exists (docs/protocol.md §3). Public.
 */
export function commitmentHash(hostMessage: Uint8Array): Uint8Array {
  return sha256.create().update(utf8("lethe/v1 commit")).update(hostMessage).digest();
}

/** th = SHA256("lethe/v1 transcript" || msg_lo(33) || msg_hi(33)). */
export function transcriptHash(msgLo: Uint8Array, msgHi: Uint8Array): Uint8Array {
  return sha256.create().update(utf8("lethe/v1 transcript")).update(msgLo).update(msgHi).digest();
}

/** kc_lo || kc_hi = HKDF(ikm = K, salt = th, info = "lethe/v1 confirm", 64), as two keys. */
export function confirmationKeysInto(kcLo: Uint8Array, kcHi: Uint8Array, k: Uint8Array, th: Uint8Array): void {
  hkdfSha256Into([kcLo, kcHi], k, th, utf8("lethe/v1 confirm"));
}

/** tag_dir = HMAC-SHA256(kc_dir, "lethe/v1 confirm " + dir || th); public (it goes on the wire). */
export function confirmationTag(kcDir: Uint8Array, dir: Direction, th: Uint8Array): Uint8Array {
  const tag = new Uint8Array(32);
  hmacSha256Into(tag, kcDir, utf8(`lethe/v1 confirm ${dir}`), th);
  return tag;
}

/** root_0 = HKDF(ikm = K, salt = th, info = "lethe/v1 root", 32). */
export function rootKeyInto(out: Uint8Array, k: Uint8Array, th: Uint8Array): void {
  hkdfSha256Into(out, k, th, utf8("lethe/v1 root"));
}

/** SAS bytes = HKDF(ikm = K, salt = th, info = "lethe/v1 sas", n); shown to the person. */
export function sasBytes(k: Uint8Array, th: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  hkdfSha256Into(out, k, th, utf8("lethe/v1 sas"));
  return out;
}

/** k[e][dir] = HKDF(ikm = root_e, salt = "", info = "lethe/v1 traffic " + dir, 32). */
export function trafficKeyInto(out: Uint8Array, root: Uint8Array, dir: Direction): void {
  hkdfSha256Into(out, root, EMPTY, utf8(`lethe/v1 traffic ${dir}`));
}

/** s[dir] = HKDF(ikm = root_0, salt = "", info = "lethe/v1 signal " + dir, 32). */
export function signalKeyInto(out: Uint8Array, root0: Uint8Array, dir: Direction): void {
  hkdfSha256Into(out, root0, EMPTY, utf8(`lethe/v1 signal ${dir}`));
}

/** mailbox = HKDF(ikm = root_0, salt = "", info = "lethe/v1 mailbox", 16); public. */
export function mailboxBytes(root0: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  hkdfSha256Into(out, root0, EMPTY, utf8("lethe/v1 mailbox"));
  return out;
}

/** k_hello = HKDF(ikm = root_0, salt = "", info = "lethe/v1 lan hello", 32) (LAN mailbox hello, §8). */
export function helloKeyInto(out: Uint8Array, root0: Uint8Array): void {
  hkdfSha256Into(out, root0, EMPTY, utf8("lethe/v1 lan hello"));
}

/** p_side = HMAC(k_hello, "lethe/v1 lan hello " + side || box(16) || n_J(16) || n_H(16)); public. */
export function helloProof(kHello: Uint8Array, side: "host" | "join", box: Uint8Array, joinNonce: Uint8Array, hostNonce: Uint8Array): Uint8Array {
  const proof = new Uint8Array(32);
  hmacSha256Into(proof, kHello, utf8(`lethe/v1 lan hello ${side}`), box, joinNonce, hostNonce);
  return proof;
}

/**
 * root_{e+1} = HKDF(ikm = DH, salt = root_e,
 *                   info = "lethe/v1 ratchet" || u32be(e+1) || pub_initiator || pub_responder, 32).
 */
export function ratchetRootInto(out: Uint8Array, root: Uint8Array, dh: Uint8Array, nextEpoch: number, pubInitiator: Uint8Array, pubResponder: Uint8Array): void {
  const label = utf8("lethe/v1 ratchet");
  const info = new Uint8Array(label.length + 4 + pubInitiator.length + pubResponder.length);
  info.set(label, 0);
  writeU32(info, label.length, nextEpoch);
  info.set(pubInitiator, label.length + 4);
  info.set(pubResponder, label.length + 4 + pubInitiator.length);
  hkdfSha256Into(out, dh, root, info);
}

export const otherDirection = (d: Direction): Direction => (d === "lo" ? "hi" : "lo");
