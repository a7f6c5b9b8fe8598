/**
 * Workload 3 — throughput over werift, engine vs the bare data channel, same process, trials
 * interleaved on warm connections (the first burst on a fresh SCTP association is timer-bound,
 * perf-baselines §1, so each side gets an untimed warm-up first).
 *
 *  - Sync burst: 10,000 distinct-key Y.Map sets in one synchronous loop on A, timed until B has
 *    the last one; updates/s, and the MiB/s of sealed frames that crossed the channel, against
 *    the bare channel's 16 KB-message MiB/s (informational: the engine coalesces into ≤16 KiB
 *    frames, so this shows how much of the pipe a sync burst uses).
 *  - Bulk sealed 16 KB: N sets of 16 KB binary values through the engine vs N bare 16 KB
 *    messages (sender pauses above a 64 KiB bufferedAmount, resumes at 16 KiB). Target >= 0.9x,
 *    with node:crypto AES-GCM; the same with @noble/ciphers is reported beside it (informational).
 *    The row's note gives the UDP datagrams the kernel dropped per burst (receive buffer full,
 *    engine and floor): on loopback a few dozen drops decide how long a trial takes.
 */
import { createEnginePair } from "../lib/engine-pair.js";
import { interleave, median } from "../lib/stats.js";
import { FULL_RUN_ONLY, makeRow, type WorkloadRow } from "../lib/table.js";
import { blast, createWeriftPair } from "../lib/werift-pair.js";
import { binaryBurst, setBurst } from "../lib/yjs-drivers.js";
import { countingDrops, dropsNote } from "../lib/udp-drops.js";
import { measured, type PendingSpec, type WorkloadOptions } from "../lib/workload.js";

const BULK = 16 * 1024;
const HWM = 64 * 1024;

export async function run(o: WorkloadOptions): Promise<WorkloadRow[]> {
  const trials = o.quick ? 2 : 5;
  const sets = 10_000;
  const bulkCount = o.quick ? 128 : 512; // 2 MiB / 8 MiB
  const floor = await createWeriftPair();
  const drops = { engine: [] as number[], floor: [] as number[] };
  const floorMiBs = countingDrops(drops.floor, async () => (bulkCount * BULK) / 2 ** 20 / ((await blast(floor, BULK, bulkCount, HWM)) / 1000));
  const specs: PendingSpec[] = [
    { workload: 3, name: `sync burst ${sets} sets: updates/s`, unit: "sets/s", baseline: null, baselineName: "(vs y-websocket: workload 4)", target: null, higherIsBetter: true },
    { workload: 3, name: `sync burst ${sets} sets: sealed wire MiB/s`, unit: "MiB/s", baseline: null, baselineName: "bare werift, 16 KB msgs", target: null, higherIsBetter: true },
    { workload: 3, name: "bulk sealed 16 KB values via engine", unit: "MiB/s", baseline: null, baselineName: "bare werift, 16 KB msgs", target: 0.9, higherIsBetter: true },
    { workload: 3, name: "bulk sealed 16 KB via engine, @noble/ciphers AEAD", unit: "MiB/s", baseline: null, baselineName: "bare werift, 16 KB msgs", target: null, higherIsBetter: true },
  ];
  try {
    await blast(floor, BULK, 64, HWM); // warm-up: 1 MiB
    const rows = await measured(
      specs,
      async () => {
        const pair = await createEnginePair({ transport: "werift", aead: "node" });
        // The universal backend, for the record (perf-baselines: noble GCM caps bulk near 0.6x).
        // Full runs only: --quick must stay under 2 minutes on this 2-core box.
        const noble = o.quick ? undefined : await createEnginePair({ transport: "werift", aead: "noble" });
        try {
          let n = 0;
          await setBurst(pair.docs, 1000, "warm");
          await binaryBurst(pair.docs, 32, BULK, "warm");
          if (noble) await binaryBurst(noble.docs, 32, BULK, "warm");
          const r = await interleave(trials, {
            sync: async () => {
              const w0 = { ...pair.wireA };
              const b = await setBurst(pair.docs, sets, `t${n++}`);
              return { setsPerS: b.sets / (b.ms / 1000), wireMiBs: (pair.wireA.bytes - w0.bytes) / 2 ** 20 / (b.ms / 1000), updMiBs: b.updateBytes / 2 ** 20 / (b.ms / 1000), frames: pair.wireA.frames - w0.frames };
            },
            bulk: countingDrops(drops.engine, () => binaryBurst(pair.docs, bulkCount, BULK, `t${n++}`)),
            floor: floorMiBs,
            nobleBulk: async () => (noble ? binaryBurst(noble.docs, bulkCount, BULK, `t${n++}`) : NaN),
          });
          const setsPerS = median(r.sync.map((x) => x.setsPerS));
          const wire = median(r.sync.map((x) => x.wireMiBs));
          const upd = median(r.sync.map((x) => x.updMiBs));
          const fl = median(r.floor);
          o.log(`sync ${setsPerS.toFixed(0)} sets/s, wire ${wire.toFixed(2)} MiB/s, frames/burst ${r.sync.map((x) => x.frames).join(",")}; bulk ${median(r.bulk).toFixed(2)} vs floor ${fl.toFixed(2)} MiB/s`);
          return [
            makeRow({ ...specs[0]!, engine: setsPerS, note: `Yjs update payload ${upd.toFixed(2)} MiB/s` }),
            makeRow({ ...specs[1]!, engine: wire, baseline: fl }),
            makeRow({ ...specs[2]!, engine: median(r.bulk), baseline: fl, note: `${bulkCount} x 16 KB, node:crypto AEAD${dropsNote(drops.engine, drops.floor)}` }),
            makeRow({ ...specs[3]!, engine: noble ? median(r.nobleBulk) : null, baseline: fl, note: noble ? `${bulkCount} x 16 KB` : FULL_RUN_ONLY }),
          ];
        } finally {
          await Promise.all([pair.close(), noble?.close()]);
        }
      },
      o.log,
    );
    if (rows[2]!.baseline === null) {
      // Engine missing: keep every row, with the floor measured now beside the note.
      const fl = median((await interleave(trials, { floor: floorMiBs })).floor);
      return rows.map((row, i) => (i === 0 ? row : makeRow({ ...row, engine: null, baseline: fl, note: row.note! })));
    }
    return rows;
  } finally {
    await floor.close();
  }
}
