/**
 * Sliding replay window (RFC 4303 §3.4.3 style) over sequence numbers below 2^53: accepts each seq at
 * most once, and refuses anything at or below `highest − size`. `check` runs before the AEAD
 * open, `commit` only after it verified, so a forged frame cannot move the window.
 */
import { ReplayError, TooOldError } from "./errors.js";

export const DEFAULT_REPLAY_WINDOW = 1024;

export class ReplayWindow {
  readonly size: number;
  #bits: Uint32Array;
  #highest = -1; // no seq seen yet

  constructor(size: number = DEFAULT_REPLAY_WINDOW) {
    if (!Number.isInteger(size) || size < 32 || size > 1 << 16 || size % 32 !== 0) {
      throw new RangeError(`replay window size must be a multiple of 32 in [32, 65536], got ${size}`);
    }
    this.size = size;
    this.#bits = new Uint32Array(size / 32);
  }

  /** Throws ReplayError / TooOldError if `seq` must be refused. */
  check(seq: number): void {
    if (seq > this.#highest) return;
    if (this.#highest - seq >= this.size) throw new TooOldError(`seq ${seq} is older than the replay window`);
    if (this.#get(seq)) throw new ReplayError(`seq ${seq} already received`);
  }

  /** Records `seq` as received (call after authentication). */
  commit(seq: number): void {
    if (seq > this.#highest) {
      const shift = seq - this.#highest;
      if (shift >= this.size) this.#bits.fill(0);
      else for (let s = this.#highest + 1; s < seq; s++) this.#set(s, false);
      this.#highest = seq;
    }
    this.#set(seq, true);
  }

  // size is a power-of-two multiple of 32 is not required: plain modulo on safe integers.
  #get(seq: number): boolean {
    const i = seq % this.size;
    return (((this.#bits[i >>> 5] as number) >>> (i & 31)) & 1) === 1;
  }
  #set(seq: number, on: boolean): void {
    const i = seq % this.size;
    const w = i >>> 5;
    const m = 1 << (i & 31);
    this.#bits[w] = on ? (this.#bits[w] as number) | m : (this.#bits[w] as number) & ~m;
  }
}
