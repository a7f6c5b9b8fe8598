/**
 * The search a man in the middle who knows the code ran against the verification words before
 * pairing was commit-then-reveal (docs/threat-model.md "Verification words"): the words are 32
 * bits of HKDF(K, th), and each device used to send its SPAKE2 message at once. So Mallory held
 * BOTH devices' messages before she had to send either of hers, and could choose her two SPAKE2
 * scalars so that her two sessions give the same words — a birthday search: about 2^16
 * candidates per side for 32 bits, not 2^32. Now neither device sends its SPAKE2 message before
 * hers is fixed (docs/protocol.md §3), so the search has no input: test/runtime/mitm.ts (`grind`)
 * waits for those messages in vain, and bench/sas-search.ts runs it only as a cost reference.
 *
 * Each candidate is cheap: with x_{i+1} = x_i + 1, her element X = x·B + w·S and the shared point
 * K = x·(Y − w·S) each move by one point addition; the affine forms come from one batched
 * inversion; then the same hashes the crypto core runs (key, transcript hash, SAS HKDF), here
 * with node:crypto. Returns the two scalars; `createPairingHandshake` takes them through its
 * `random` option (64 bytes, big-endian, reduced mod L).
 */
import { createHash, createHmac } from "node:crypto";
import { ed25519 } from "@noble/curves/ed25519.js";
import { passwordToScalar, SPAKE2_S_HEX } from "../../src/adapters/crypto/spake2.js";
import { sasWords } from "../../src/adapters/crypto/words.js";

type Point = InstanceType<typeof ed25519.Point>;
const Point = ed25519.Point;
const L = Point.Fn.ORDER;
const BATCH = 4096;
const TRANSCRIPT = Buffer.from("lethe/v1 transcript");
const SAS_INFO = Buffer.concat([Buffer.from("lethe/v1 sas"), Buffer.from([1])]);

const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
};

/** Compressed edwards25519 encoding of an affine point (y little-endian, sign of x on top). */
function encode(x: bigint, y: bigint): Buffer {
  const b = Buffer.alloc(32);
  let v = y;
  for (let i = 0; i < 32; i++, v >>= 8n) b[i] = Number(v & 0xffn);
  b[31]! |= Number(x & 1n) << 7;
  return b;
}

/** One of Mallory's two legs: she walks x = start, start+1, … against one device's message. */
class Walk {
  private x: bigint;
  private X: Point;
  private K: Point;
  private readonly step: Point;
  private readonly peer: Buffer;
  private readonly peerMessage: Buffer;

  constructor(
    start: bigint,
    w: bigint,
    deviceMessage: Uint8Array,
    private readonly prefix: Buffer, // SHA256(pw) || SHA256(identity)
  ) {
    const wS = Point.fromHex(SPAKE2_S_HEX).multiply(w);
    this.peerMessage = Buffer.from(deviceMessage);
    this.peer = this.peerMessage.subarray(1);
    this.step = Point.fromBytes(this.peer).subtract(wS);
    this.x = start;
    this.X = Point.BASE.multiply(start).add(wS);
    this.K = this.step.multiply(start);
  }

  /** The next BATCH candidates: [scalar, SAS as a u32]. */
  next(): Array<[bigint, number]> {
    const Xs: Point[] = [];
    const Ks: Point[] = [];
    const xs: bigint[] = [];
    for (let i = 0; i < BATCH; i++) {
      Xs.push(this.X);
      Ks.push(this.K);
      xs.push(this.x);
      this.X = this.X.add(Point.BASE);
      this.K = this.K.add(this.step);
      this.x += 1n;
    }
    const inv = Point.Fp.invertBatch([...Xs.map((p) => p.Z), ...Ks.map((p) => p.Z)]);
    return xs.map((x, i) => {
      const a = Xs[i]!.toAffine(inv[i]);
      const k = Ks[i]!.toAffine(inv[BATCH + i]);
      const own = encode(a.x, a.y);
      const [lo, hi] = Buffer.compare(own, this.peer) < 0 ? [own, this.peer] : [this.peer, own];
      const key = sha256(this.prefix, lo, hi, encode(k.x, k.y));
      const ownMessage = Buffer.concat([this.peerMessage.subarray(0, 1), own]);
      const [mlo, mhi] = Buffer.compare(ownMessage, this.peerMessage) < 0 ? [ownMessage, this.peerMessage] : [this.peerMessage, ownMessage];
      const th = sha256(TRANSCRIPT, mlo, mhi);
      const prk = createHmac("sha256", th).update(key).digest();
      return [x, createHmac("sha256", prk).update(SAS_INFO).digest().readUInt32BE(0)];
    });
  }
}

export interface GrindResult {
  /** Mallory's SPAKE2 scalar for her session with each device. */
  readonly laptopScalar: bigint;
  readonly phoneScalar: bigint;
  /** The words both devices will show. */
  readonly words: readonly string[];
  /** Candidates computed (both legs). */
  readonly candidates: number;
}

/**
 * Find scalars for Mallory's two SPAKE2 runs that give the same SAS with both devices. `start`
 * draws the random starting scalars (64 bytes each). Gives up after `maxCandidates`.
 */
export function grindMatchingWords(o: {
  password: Uint8Array;
  identity: Uint8Array;
  laptopMessage: Uint8Array;
  phoneMessage: Uint8Array;
  random: (n: number) => Uint8Array;
  tableSize?: number;
  maxCandidates?: number;
}): GrindResult {
  const w = passwordToScalar(o.password);
  const prefix = Buffer.concat([sha256(o.password), sha256(o.identity)]);
  const scalar = () => BigInt(`0x${Buffer.from(o.random(64)).toString("hex")}`) % (L - 2n ** 40n);
  const laptop = new Walk(scalar(), w, o.laptopMessage, prefix);
  const phone = new Walk(scalar(), w, o.phoneMessage, prefix);
  const tableSize = o.tableSize ?? 1 << 17;
  const table = new Map<number, bigint>();
  while (table.size < tableSize) for (const [x, sas] of laptop.next()) table.set(sas, x);
  let candidates = tableSize;
  const max = o.maxCandidates ?? 1 << 22;
  while (candidates < max) {
    for (const [x, sas] of phone.next()) {
      candidates++;
      const match = table.get(sas);
      if (match !== undefined) {
        const bytes = new Uint8Array(4);
        new DataView(bytes.buffer).setUint32(0, sas);
        return { laptopScalar: match, phoneScalar: x, words: sasWords(bytes), candidates };
      }
    }
  }
  throw new Error(`no matching words within ${max} candidates`);
}

/** A `random` for createPairingHandshake that yields exactly `x` (64 bytes, big-endian). */
export function fixedScalar(x: bigint): (n: number) => Uint8Array {
  return (n) => {
    if (n !== 64) throw new Error(`expected a 64-byte draw, got ${n}`);
    const out = new Uint8Array(64);
    let v = x;
    for (let i = 63; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
    return out;
  };
}
