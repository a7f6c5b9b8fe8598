/**
 * Workload 1 — sealed frames vs the raw AEAD they use.
 *
 * One op = seal + open of one payload. Engine: `createSecureChannel` on both sides of a real
 * pairing (A seals a SYNC frame, B opens it: header, nonce from seq, AAD, replay window). As the
 * engine's peer link does, a payload of SEAL_INTO_MIN_PAYLOAD_BYTES or more is sealed into a
 * reused buffer (`seal(type, payload, output)`; transports copy on send), a smaller one into
 * fresh memory.
 * Baseline: the bare library call of the same backend with a fresh nonce per op and a 14-byte
 * AAD (the frame header's size) — `gcm(key, nonce, aad)` from @noble/ciphers, and
 * `createCipheriv("aes-256-gcm")`/`createDecipheriv` from node:crypto. Trials are time-boxed
 * and interleaved (engine, bare, bare, engine, …); the figure is the median MiB/s of payload.
 * Target: frames >= 0.9x the bare AEAD.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { gcm } from "@noble/ciphers/aes.js";
import { loadCrypto } from "../lib/pieces.js";
import { interleave, median, nowMs } from "../lib/stats.js";
import { makeRow, type WorkloadRow } from "../lib/table.js";
import { measured, type PendingSpec, type WorkloadOptions } from "../lib/workload.js";

const SIZES = [100, 1024, 16384] as const;
const BACKENDS = ["noble", "node"] as const;
type Backend = (typeof BACKENDS)[number];
const partOf = (b: Backend, size: number) => `${b}:${size}`;
/**
 * One child process per row (the harness's `parts`). In one process a row inherits the young
 * generation the rows before it grew: 32 MiB after the @noble/ciphers rows against ~1 MiB in a
 * fresh process, and with it node:crypto at 1 KB measured 0.63–0.83× instead of 0.76–0.90×
 * (2026-12-07, the frame code of 79f22b8): the frame layer allocates a little more than the bare
 * calls, and every allocation touches colder memory in a larger nursery, so that state favours
 * one side.
 */
export const FRAME_ROWS: readonly string[] = BACKENDS.flatMap((b) => SIZES.map((size) => partOf(b, size)));
type Op = () => void;

const label = (b: Backend) => (b === "noble" ? "@noble/ciphers" : "node:crypto");
const sizeLabel = (n: number) => (n >= 1024 ? `${n / 1024} KB` : `${n} B`);

function spec(b: Backend, size: number): PendingSpec {
  return {
    workload: 1,
    name: `sealed frames seal+open, ${label(b)}, ${sizeLabel(size)}`,
    unit: "MiB/s",
    baseline: null,
    baselineName: `bare ${label(b)} AES-256-GCM`,
    target: 0.9,
    higherIsBetter: true,
  };
}

/** Run `op` repeatedly for about `ms` milliseconds; return MiB/s of `size`-byte payloads. */
function timeBox(op: Op, size: number, ms: number): number {
  let n = 0;
  const t0 = nowMs();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 16; i++) op();
    n += 16;
    t = nowMs();
  }
  return (n * size) / 2 ** 20 / ((t - t0) / 1000);
}

function bareOp(b: Backend, size: number): Op {
  const key = new Uint8Array(randomBytes(32));
  const aad = new Uint8Array(randomBytes(14));
  const pt = new Uint8Array(randomBytes(size));
  const nonce = new Uint8Array(12);
  const view = new DataView(nonce.buffer);
  let seq = 0;
  if (b === "noble") {
    return () => {
      view.setUint32(8, ++seq);
      const ct = gcm(key, nonce, aad).encrypt(pt);
      gcm(key, nonce, aad).decrypt(ct);
    };
  }
  return () => {
    view.setUint32(8, ++seq);
    const c = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: 16 });
    c.setAAD(aad);
    const body = c.update(pt);
    c.final();
    const tag = c.getAuthTag();
    const d = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: 16 });
    d.setAAD(aad);
    d.setAuthTag(tag);
    d.update(body);
    d.final();
  };
}

async function frameOps(): Promise<{ make(b: Backend, size: number): Op; wipe(): void }> {
  const c = await loadCrypto();
  const password = new TextEncoder().encode("7-crossover-clockwork");
  const channels: { wipe(): void }[] = [];
  const pair = (b: Backend) => {
    const sa = c.createKeyStore();
    const sb = c.createKeyStore();
    const ha = c.createPairingHandshake({ role: "host", password: password.slice(), keyStore: sa });
    const hb = c.createPairingHandshake({ role: "join", password: password.slice(), keyStore: sb });
    hb.acceptCommitment(ha.commitment);
    const ta = ha.receive(hb.message);
    const tb = hb.receive(ha.message);
    ha.confirm(tb);
    hb.confirm(ta);
    const aead = b === "noble" ? c.nobleAead : c.nodeAead;
    const A = c.createSecureChannel({ keyStore: sa, aead });
    const B = c.createSecureChannel({ keyStore: sb, aead });
    channels.push(A, B);
    return { A, B };
  };
  return {
    make(b, size) {
      const { A, B } = pair(b);
      const pt = new Uint8Array(randomBytes(size));
      if (size < c.SEAL_INTO_MIN_PAYLOAD_BYTES) return () => void B.open(A.seal(c.FrameType.SYNC, pt));
      const output = new Uint8Array(size + 64);
      return () => void B.open(A.seal(c.FrameType.SYNC, pt, output));
    },
    wipe: () => channels.forEach((ch) => ch.wipe()),
  };
}

export async function run(o: WorkloadOptions): Promise<WorkloadRow[]> {
  // Many short trials, alternating: on this shared 2-core VM a burst of someone else's load lasts
  // seconds, so short boxes side by side see the same machine; the medians are over 21 of them.
  const trials = o.quick ? 5 : 21;
  const boxMs = o.quick ? 80 : 150;
  const rows: WorkloadRow[] = [];
  for (const b of BACKENDS) {
    for (const size of SIZES) {
      if (o.part !== undefined && o.part !== partOf(b, size)) continue;
      const s = spec(b, size);
      const bare = bareOp(b, size);
      const [row] = await measured(
        [s],
        async () => {
          const frames = await frameOps();
          try {
            const engine = frames.make(b, size);
            timeBox(engine, size, boxMs / 2); // warm-up (JIT) for both
            timeBox(bare, size, boxMs / 2);
            const r = await interleave(trials, {
              engine: () => timeBox(engine, size, boxMs),
              bare: () => timeBox(bare, size, boxMs),
            });
            const paired = median(r.engine.map((e, i) => e / r.bare[i]!));
            o.log(`${s.name}: frames ${median(r.engine).toFixed(2)} vs bare ${median(r.bare).toFixed(2)} MiB/s (median of paired ratios ${paired.toFixed(2)})`);
            return [makeRow({ ...s, engine: median(r.engine), baseline: median(r.bare) })];
          } finally {
            frames.wipe();
          }
        },
        o.log,
      );
      // Without the engine piece the bare AEAD is still measured, so the row shows the floor.
      rows.push(row!.engine === null ? makeRow({ ...row!, engine: null, baseline: median((await interleave(trials, { bare: () => timeBox(bare, size, boxMs) })).bare) }) : row!);
    }
  }
  return rows;
}
