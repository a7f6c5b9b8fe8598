/**
 * The KeyStore owns every secret Uint8Array of one session: SPAKE2 output, confirmation keys,
 * roots, traffic and signal keys, X25519 ephemeral secrets. `wipe()` zeroes all of them at once
 * (DESIGN §1 promise 4); a test can hold `secretBuffers()` and see zeros afterwards.
 *
 * Buffers are allocated here (`alloc`) or handed over (`adopt`) and given back with `release`,
 * which zeroes at once. The pairing result travels from the handshake to the secure channel
 * through a module-private slot, so no public API hands key bytes around.
 */
import { KeyStoreWipedError } from "./errors.js";

export interface KeyStore {
  /** True once `wipe()` ran; every later `alloc`/`adopt` throws KeyStoreWipedError. */
  readonly wiped: boolean;
  /** A new zero-filled secret buffer owned by the store. `label` is for counting only. */
  alloc(label: string, length: number): Uint8Array;
  /** Takes ownership of an existing secret buffer (zeroed by `release` or `wipe`). */
  adopt(label: string, buffer: Uint8Array): Uint8Array;
  /** Zeroes the buffer now and forgets it. Unknown buffers are zeroed too. */
  release(buffer: Uint8Array | undefined): void;
  /** Zeroes every buffer the store owns and refuses new ones. Idempotent. */
  wipe(): void;
  /** Live buffers (test-visible): hold them, call `wipe()`, and check they are all zero. */
  secretBuffers(): readonly Uint8Array[];
  /** Count of live buffers per label (public data only, for state snapshots). */
  census(): Readonly<Record<string, number>>;
}

/** What a confirmed pairing leaves for the secure channel (module-private; see pairing.ts). */
export interface PairingMaterial {
  /** Our direction: "lo" if our SPAKE2 message sorts first bytewise. */
  readonly direction: "lo" | "hi";
  /** root_0, 32 bytes, store-owned. */
  readonly root: Uint8Array;
  /** Epoch-0 traffic keys (our direction, the peer's), store-owned. */
  readonly send0: Uint8Array;
  readonly receive0: Uint8Array;
  /** Signal keys (send, receive), store-owned. */
  readonly signalSend: Uint8Array;
  readonly signalReceive: Uint8Array;
  /** Public 128-bit mailbox id as lower-case hex (derived one-way; not a secret). */
  readonly mailboxId: string;
}

const pairingSlot = new WeakMap<KeyStore, PairingMaterial>();

/** Internal: the handshake installs the pairing result. */
export function installPairing(store: KeyStore, material: PairingMaterial): void {
  if (store.wiped) throw new KeyStoreWipedError("key store is wiped");
  if (pairingSlot.has(store)) throw new KeyStoreWipedError("key store already holds a pairing");
  pairingSlot.set(store, material);
}

/** Internal: the secure channel takes the pairing result (once). */
export function takePairing(store: KeyStore): PairingMaterial | undefined {
  const m = pairingSlot.get(store);
  pairingSlot.delete(store);
  return m;
}

/** Internal: is a confirmed pairing waiting in this store? */
export function hasPairing(store: KeyStore): boolean {
  return pairingSlot.has(store);
}

class Store implements KeyStore {
  #live = new Map<Uint8Array, string>();
  #wiped = false;

  get wiped(): boolean {
    return this.#wiped;
  }
  alloc(label: string, length: number): Uint8Array {
    return this.adopt(label, new Uint8Array(length));
  }
  adopt(label: string, buffer: Uint8Array): Uint8Array {
    if (this.#wiped) {
      buffer.fill(0);
      throw new KeyStoreWipedError("key store is wiped");
    }
    this.#live.set(buffer, label);
    return buffer;
  }
  release(buffer: Uint8Array | undefined): void {
    if (!buffer) return;
    buffer.fill(0);
    this.#live.delete(buffer);
  }
  wipe(): void {
    for (const b of this.#live.keys()) b.fill(0);
    this.#live.clear();
    this.#wiped = true;
    pairingSlot.delete(this);
  }
  secretBuffers(): readonly Uint8Array[] {
    return [...this.#live.keys()];
  }
  census(): Readonly<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const label of this.#live.values()) out[label] = (out[label] ?? 0) + 1;
    return out;
  }
}

/** A fresh, empty key store for one session. */
export function createKeyStore(): KeyStore {
  return new Store();
}
