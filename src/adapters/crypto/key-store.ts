/**
 * The KeyStore owns every secret Uint8Array of one session: the pairing code's bytes, SPAKE2
 * output, confirmation keys, roots, traffic and signal keys, X25519 ephemeral secrets and DH
 * outputs. `wipe()` zeroes all of them at once (DESIGN §1 promise 4); a test can hold
 * `secretBuffers()` and see zeros afterwards.
 *
 * Every buffer the store owns is off-heap (`offHeap`, bytes.ts): V8 never moves or copies its
 * bytes, so zeroing it erases the only copy. Secrets are born in one (`alloc`, `derive`: the
 * derivation writes straight into it); a secret that had to be computed elsewhere is copied in
 * by `adopt`, which zeroes the source at once. The store never hands out a view (`subarray`,
 * `.buffer`) of a buffer it owns. The pairing result travels from the handshake to the secure
 * channel through a module-private slot, so no public API hands key bytes around.
 */
import { offHeap } from "./bytes.js";
import { KeyStoreWipedError } from "./errors.js";

export interface KeyStore {
  /** True once `wipe()` ran; every later `alloc`/`adopt`/`derive` throws KeyStoreWipedError. */
  readonly wiped: boolean;
  /** A new zero-filled, off-heap secret buffer owned by the store. `label` is for counting only. */
  alloc(label: string, length: number): Uint8Array;
  /** `alloc`, then `write` fills it (a derivation writing its output in place); released if `write` throws. */
  derive(label: string, length: number, write: (out: Uint8Array) => void): Uint8Array;
  /**
   * Copies `source` into a new off-heap store buffer and zeroes `source` at once (also when
   * refused); returns the store's buffer. For secrets a library handed back in its own array.
   */
  adopt(label: string, source: Uint8Array): Uint8Array;
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
  /** k_hello for the LAN mailbox hello (docs/protocol.md §8), store-owned. */
  readonly helloKey: Uint8Array;
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

type RetireListener = (label: string, buffer: Uint8Array) => void;
const retireListeners = new Set<RetireListener>();

/**
 * Internal test hook (no public entry exports it): `fn` sees every store buffer right before the
 * store zeroes it, so a memory-scan test knows each key value that existed. A listener must not
 * copy the bytes in the clear (the scan would find its copy).
 */
export function watchRetiredKeys(fn: RetireListener): () => void {
  retireListeners.add(fn);
  return () => void retireListeners.delete(fn);
}

function retire(label: string, buffer: Uint8Array): void {
  for (const fn of retireListeners) fn(label, buffer);
  buffer.fill(0);
}

class Store implements KeyStore {
  #live = new Map<Uint8Array, string>();
  #wiped = false;

  get wiped(): boolean {
    return this.#wiped;
  }
  alloc(label: string, length: number): Uint8Array {
    if (this.#wiped) throw new KeyStoreWipedError("key store is wiped");
    const buffer = offHeap(length);
    this.#live.set(buffer, label);
    return buffer;
  }
  derive(label: string, length: number, write: (out: Uint8Array) => void): Uint8Array {
    const out = this.alloc(label, length);
    try {
      write(out);
    } catch (e) {
      this.release(out);
      throw e;
    }
    return out;
  }
  adopt(label: string, source: Uint8Array): Uint8Array {
    try {
      const buffer = this.alloc(label, source.length);
      buffer.set(source);
      return buffer;
    } finally {
      source.fill(0);
    }
  }
  release(buffer: Uint8Array | undefined): void {
    if (!buffer) return;
    retire(this.#live.get(buffer) ?? "unknown", buffer);
    this.#live.delete(buffer);
  }
  wipe(): void {
    for (const [b, label] of this.#live) retire(label, b);
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
