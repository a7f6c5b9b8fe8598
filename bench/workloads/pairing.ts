/**
 * Workload 5 — pairing.
 *
 *  a) CPU ms per side for SPAKE2 + key confirmation + key schedule: each side's calls
 *     (createPairingHandshake, receive, confirm, createSecureChannel) are wrapped in
 *     process.cpuUsage(); both sides run in this process, one after the other, so each figure is
 *     that side's own work. Baseline, interleaved: the bare curve arithmetic one side of a SPAKE2
 *     exchange cannot avoid with @noble/curves (1 base-point mult, 2 arbitrary-point mults, one
 *     decode, one encode). Target (issue): <= 3 ms per side.
 *  b) Wall time from code entry (B's join(code)) to the first synced change (a value A set
 *     before the join appears in B's doc), two engines over werift on loopback, signaling via the
 *     in-memory relay. Baseline, interleaved: a bare werift pair's createOffer -> channel open.
 *     Target: <= 300 ms median.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { randomBytes } from "node:crypto";
import { createEnginePair } from "../lib/engine-pair.js";
import { loadCrypto } from "../lib/pieces.js";
import { cpuMsSince, interleave, median } from "../lib/stats.js";
import { makeRow, type WorkloadRow } from "../lib/table.js";
import { createWeriftPair } from "../lib/werift-pair.js";
import { measured, type PendingSpec, type WorkloadOptions } from "../lib/workload.js";

const Point = ed25519.Point;
const L = Point.Fn.ORDER;

function scalar(): bigint {
  let n = 0n;
  for (const x of randomBytes(64)) n = (n << 8n) | BigInt(x);
  return (n % (L - 1n)) + 1n;
}

/** One side's unavoidable curve work, in CPU ms. */
function bareCurveSide(): number {
  const S = Point.BASE.multiply(scalar()); // a fixed blinding point stand-in (not timed)
  const peer = Point.BASE.multiply(scalar()).toBytes();
  const c0 = process.cpuUsage();
  const x = scalar();
  const w = scalar();
  const wS = S.multiply(w);
  const msg = Point.BASE.multiply(x).add(wS).toBytes();
  const Y = Point.fromBytes(peer);
  const K = Y.subtract(wS).multiply(x).toBytes();
  const ms = cpuMsSince(c0);
  if (msg.length + K.length !== 64) throw new Error("unexpected encoding");
  return ms;
}

async function pairingCpu(): Promise<() => [number, number]> {
  const c = await loadCrypto();
  const code = new TextEncoder().encode("7-crossover-clockwork");
  return () => {
    const sa = c.createKeyStore();
    const sb = c.createKeyStore();
    let a = 0;
    let b = 0;
    let t = process.cpuUsage();
    const ha = c.createPairingHandshake({ role: "host", password: code.slice(), keyStore: sa });
    a += cpuMsSince(t);
    t = process.cpuUsage();
    const hb = c.createPairingHandshake({ role: "join", password: code.slice(), keyStore: sb });
    b += cpuMsSince(t);
    t = process.cpuUsage();
    hb.acceptCommitment(ha.commitment);
    const ta = ha.receive(hb.message);
    a += cpuMsSince(t);
    t = process.cpuUsage();
    const tb = hb.receive(ha.message);
    b += cpuMsSince(t);
    t = process.cpuUsage();
    ha.confirm(tb);
    const ca = c.createSecureChannel({ keyStore: sa, aead: c.nodeAead });
    a += cpuMsSince(t);
    t = process.cpuUsage();
    hb.confirm(ta);
    const cb = c.createSecureChannel({ keyStore: sb, aead: c.nodeAead });
    b += cpuMsSince(t);
    if (ca.mailboxId !== cb.mailboxId) throw new Error("pairing disagreed");
    ca.wipe();
    cb.wipe();
    return [a, b];
  };
}

export async function run(o: WorkloadOptions): Promise<WorkloadRow[]> {
  const cpuTrials = o.quick ? 40 : 200;
  const wallTrials = o.quick ? 3 : 7;
  const cpuSpec: PendingSpec = {
    workload: 5, name: "pairing CPU per side (SPAKE2 + confirmation + key schedule)", unit: "ms CPU", baseline: null,
    baselineName: "bare noble curve ops per side (1 base + 2 arbitrary mults)", target: 3, targetOn: "engine", higherIsBetter: false,
  };
  const wallSpec: PendingSpec = {
    workload: 5, name: "code entry -> first synced change, werift loopback", unit: "ms", baseline: null,
    baselineName: "bare werift setup (createOffer -> channel open)", target: 300, targetOn: "engine", higherIsBetter: false,
  };
  const cpuRows = await measured(
    [cpuSpec],
    async () => {
      const once = await pairingCpu();
      for (let i = 0; i < 10; i++) (once(), bareCurveSide());
      const r = await interleave(cpuTrials, { engine: once, bare: bareCurveSide });
      const a = median(r.engine.map((x) => x[0]));
      const b = median(r.engine.map((x) => x[1]));
      const both = median(r.engine.flat());
      o.log(`pairing CPU per side: A ${a.toFixed(2)} ms, B ${b.toFixed(2)} ms; bare curve ${median(r.bare).toFixed(2)} ms`);
      return [makeRow({ ...cpuSpec, engine: both, baseline: median(r.bare), note: `median of ${cpuTrials} pairings; A ${a.toFixed(2)}, B ${b.toFixed(2)}` })];
    },
    o.log,
  );
  const wallRows = await measured(
    [wallSpec],
    async () => {
      const r = await interleave(wallTrials, {
        engine: async () => {
          const p = await createEnginePair({ transport: "werift", aead: "node" });
          await p.close();
          return p.codeToFirstChangeMs;
        },
        bare: async () => {
          const p = await createWeriftPair();
          await p.close();
          return p.setupMs;
        },
      });
      o.log(`code->first change ${r.engine.map((x) => x.toFixed(0)).join(",")} ms; werift setup ${r.bare.map((x) => x.toFixed(0)).join(",")} ms`);
      return [makeRow({ ...wallSpec, engine: median(r.engine), baseline: median(r.bare), note: `median of ${wallTrials}; min ${Math.min(...r.engine).toFixed(0)} max ${Math.max(...r.engine).toFixed(0)}` })];
    },
    o.log,
  );
  const fill = async (rows: WorkloadRow[], baseline: () => Promise<number>) =>
    rows[0]!.baseline === null ? [makeRow({ ...rows[0]!, engine: null, baseline: await baseline(), note: rows[0]!.note! })] : rows;
  return [
    ...(await fill(cpuRows, async () => median((await interleave(cpuTrials, { bare: bareCurveSide })).bare))),
    ...(await fill(wallRows, async () => {
      const p = await createWeriftPair();
      await p.close();
      return p.setupMs;
    })),
  ];
}
