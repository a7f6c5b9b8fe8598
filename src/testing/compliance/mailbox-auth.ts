/**
 * Mailbox proofs for the signaling suites: the `mailboxAuth` of two secure channels from one real
 * pairing (SPAKE2 with a fixed code, in-process), as the runtime hands them to `mailbox()`.
 * Implementations that need proofs (LAN, docs/protocol.md §8) get real ones; the others ignore
 * them.
 */
import { createKeyStore, createPairingHandshake, createSecureChannel, nobleAead } from "../../adapters/crypto/index.js";
import type { MailboxAuth } from "../../protocol/rendezvous.js";

export interface MailboxAuthPair {
  readonly host: MailboxAuth;
  readonly join: MailboxAuth;
  /** Zero both sides' keys (their proofs then throw). */
  wipe(): void;
}

export function pairedMailboxAuth(code = "7-crossover-clockwork"): MailboxAuthPair {
  const side = (role: "host" | "join") => {
    const keyStore = createKeyStore();
    return { keyStore, hs: createPairingHandshake({ role, password: new TextEncoder().encode(code), keyStore }) };
  };
  const a = side("host");
  const b = side("join");
  b.hs.acceptCommitment(a.hs.commitment); // commit-then-reveal (docs/protocol.md §3)
  const tagA = a.hs.receive(b.hs.message);
  const tagB = b.hs.receive(a.hs.message);
  a.hs.confirm(tagB);
  b.hs.confirm(tagA);
  const ca = createSecureChannel({ keyStore: a.keyStore, aead: nobleAead });
  const cb = createSecureChannel({ keyStore: b.keyStore, aead: nobleAead });
  return {
    host: ca.mailboxAuth,
    join: cb.mailboxAuth,
    wipe: () => {
      ca.wipe();
      cb.wipe();
    },
  };
}
