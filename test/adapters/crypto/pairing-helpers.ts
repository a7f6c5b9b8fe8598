/** Test helper: run two pairing handshakes against each other and open two secure channels. */
import type { Aead } from "../../../src/adapters/crypto/aead.js";
import { nobleAead } from "../../../src/adapters/crypto/aead.js";
import { createKeyStore, type KeyStore } from "../../../src/adapters/crypto/key-store.js";
import { createPairingHandshake, type PairingHandshake } from "../../../src/adapters/crypto/pairing.js";
import { createSecureChannel, type SecureChannel } from "../../../src/adapters/crypto/secure-channel.js";
import { FrameType } from "../../../src/adapters/crypto/frame.js";
import type { KeyAgreement } from "../../../src/adapters/crypto/key-agreement.js";
import { seededRandom } from "./helpers.js";

const utf8 = (s: string) => new TextEncoder().encode(s);

export interface Side {
  store: KeyStore;
  hs: PairingHandshake;
}

export function handshakes(codeA: string, codeB: string, seed = 1): [Side, Side] {
  const a = { store: createKeyStore(), hs: undefined as unknown as PairingHandshake };
  const b = { store: createKeyStore(), hs: undefined as unknown as PairingHandshake };
  a.hs = createPairingHandshake({ role: "host", password: utf8(codeA), keyStore: a.store, random: seededRandom(seed) });
  b.hs = createPairingHandshake({ role: "join", password: utf8(codeB), keyStore: b.store, random: seededRandom(seed + 7919) });
  return [a, b];
}

/** The messages in protocol order (host A commits, B sends, A reveals); returns [tagA, tagB]. */
export function exchange(A: Side, B: Side): [Uint8Array, Uint8Array] {
  B.hs.acceptCommitment(A.hs.commitment);
  const tagA = A.hs.receive(B.hs.message);
  const tagB = B.hs.receive(A.hs.message);
  return [tagA, tagB];
}

/** Full pairing with the same code; returns both channels (a uses aeadA, b uses aeadB). */
export function pairedChannels(
  options: { seed?: number; aeadA?: Aead; aeadB?: Aead; replayWindowSize?: number; keyAgreementA?: KeyAgreement; keyAgreementB?: KeyAgreement } = {},
): {
  a: SecureChannel;
  b: SecureChannel;
  storeA: KeyStore;
  storeB: KeyStore;
  sas: [readonly string[], readonly string[]];
} {
  const seed = options.seed ?? 1;
  const [A, B] = handshakes("7-crossover-clockwork", "7-crossover-clockwork", seed);
  const [tagA, tagB] = exchange(A, B);
  A.hs.confirm(tagB);
  B.hs.confirm(tagA);
  const w = options.replayWindowSize;
  const ka = (k: KeyAgreement | undefined) => (k ? { keyAgreement: k } : {});
  const a = createSecureChannel({ keyStore: A.store, aead: options.aeadA ?? nobleAead, random: seededRandom(seed + 1), ...(w ? { replayWindowSize: w } : {}), ...ka(options.keyAgreementA) });
  const b = createSecureChannel({ keyStore: B.store, aead: options.aeadB ?? nobleAead, random: seededRandom(seed + 2), ...(w ? { replayWindowSize: w } : {}), ...ka(options.keyAgreementB) });
  return { a, b, storeA: A.store, storeB: B.store, sas: [A.hs.sas(), B.hs.sas()] };
}

/** One complete rotation initiated by `from` (frames carried in order). */
export function rotate(from: SecureChannel, to: SecureChannel): number {
  const rot = from.seal(FrameType.ROTATE, from.startRotation());
  const opened = to.open(rot);
  const ackBody = to.handleRotate(opened.payload);
  if (!ackBody) throw new Error("unexpected collision");
  const ack = to.seal(FrameType.ROTATE_ACK, ackBody);
  return from.handleRotateAck(from.open(ack).payload);
}
