/**
 * Smoke test for the bench harness (bench/run.ts): the ratio/`met` logic and the table on
 * synthetic rows (never absolute numbers, the machine is noisy), the statistics helpers, and one
 * very short real baseline measurement (a bare werift ping-pong on loopback, under the guard).
 */
import { afterAll, describe, expect, it } from "vitest";
import { fc, test } from "@fast-check/vitest";
import dgram from "node:dgram";
import dns from "node:dns";
import { cpuPressureLabel, parseCpuPressure } from "../../bench/lib/machine.js";
import { installLoopbackGuard, isLoopbackHost, NonLoopbackError } from "../../bench/lib/net-guard.js";
import { interleave, median, medianItem, percentile } from "../../bench/lib/stats.js";
import { buildResults, combineRuns, failedRow, formatTable, FULL_RUN_ONLY, harnessProblems, makeRow, missingRow, type WorkloadRow } from "../../bench/lib/table.js";
import { createWeriftPair, pingPong, type WeriftPair } from "../../bench/lib/werift-pair.js";
import { PieceMissingError } from "../../bench/lib/pieces.js";
import { measured } from "../../bench/lib/workload.js";

const base = { workload: 9, name: "w", unit: "x", baselineName: "b" } as const;

describe("rows: ratio and met", () => {
  it("ratio is engine / baseline; higher-is-better compares ratio >= target", () => {
    const r = makeRow({ ...base, engine: 45, baseline: 50, target: 0.9, higherIsBetter: true });
    expect(r.ratio).toBeCloseTo(0.9, 12);
    expect(r.met).toBe(true);
    expect(makeRow({ ...base, engine: 44, baseline: 50, target: 0.9, higherIsBetter: true }).met).toBe(false);
  });
  it("lower-is-better compares ratio <= target", () => {
    expect(makeRow({ ...base, engine: 0.1, baseline: 0.14, target: 1, higherIsBetter: false }).met).toBe(true);
    const r = makeRow({ ...base, engine: 0.2, baseline: 0.14, target: 1, higherIsBetter: false });
    expect(r.ratio).toBeCloseTo(0.2 / 0.14, 12);
    expect(r.met).toBe(false);
  });
  it("absolute targets apply to the engine figure, not the ratio", () => {
    const ok = makeRow({ ...base, engine: 2.5, baseline: 1, target: 3, targetOn: "engine", higherIsBetter: false });
    expect(ok.ratio).toBe(2.5);
    expect(ok.met).toBe(true);
    expect(makeRow({ ...base, engine: 3.5, baseline: 10, target: 3, targetOn: "engine", higherIsBetter: false }).met).toBe(false);
  });
  it("no engine figure: met is false and the note says which piece is missing", () => {
    const r = missingRow({ ...base, baseline: 12, target: 0.9, higherIsBetter: true }, "runtime (createSyncEngine)");
    expect(r.engine).toBeNull();
    expect(r.ratio).toBeNull();
    expect(r.met).toBe(false);
    expect(r.note).toBe("engine piece missing: runtime (createSyncEngine)");
  });
  it("no target: informational row, met null; a missing or zero baseline gives no ratio", () => {
    expect(makeRow({ ...base, engine: 1, baseline: 2, target: null, higherIsBetter: true }).met).toBeNull();
    expect(makeRow({ ...base, engine: 1, baseline: 0, target: null, higherIsBetter: true }).ratio).toBeNull();
    expect(makeRow({ ...base, engine: 1, baseline: null, target: 1, higherIsBetter: true }).met).toBe(false);
    expect(makeRow({ ...base, engine: Number.NaN, baseline: 1, target: 1, higherIsBetter: true }).engine).toBeNull();
  });
  test.prop([fc.double({ min: 1e-6, max: 1e6, noNaN: true }), fc.double({ min: 1e-6, max: 1e6, noNaN: true }), fc.double({ min: 0.01, max: 10, noNaN: true }), fc.boolean()], { numRuns: 200 })(
    "met agrees with the ratio and the direction",
    (engine, baseline, target, higher) => {
      const r = makeRow({ ...base, engine, baseline, target, higherIsBetter: higher });
      expect(r.ratio).toBeCloseTo(engine / baseline, 9);
      expect(r.met).toBe(higher ? engine / baseline >= target : engine / baseline <= target);
    },
  );
});

describe("table and results document", () => {
  const rows: WorkloadRow[] = [
    makeRow({ ...base, workload: 2, name: "latency p50", engine: 0.12, baseline: 0.14, target: 1, higherIsBetter: false }),
    missingRow({ ...base, workload: 1, name: "frames", baseline: 50, target: 0.9, higherIsBetter: true }, "crypto core"),
  ];
  it("prints one markdown table with every row, the ratio and the verdict", () => {
    const t = formatTable(rows).split("\n");
    expect(t).toHaveLength(4);
    expect(t[2]).toContain("latency p50");
    expect(t[2]).toContain("0.86");
    expect(t[2]).toContain("yes");
    expect(t[3]).toContain("engine piece missing: crypto core");
    expect(t[3]).toContain("NO");
  });
  it("results.json has the issue's shape, rows ordered by workload", () => {
    const doc = buildResults({ cpuModel: "c", cores: 2, memoryGiB: 1, node: "v20", platform: "p", date: "d", loadAverage: [], cpuPressure: null }, "quick", 1, rows);
    expect(Object.keys(doc)).toEqual(expect.arrayContaining(["machine", "workloads"]));
    expect(doc.workloads.map((r) => r.workload)).toEqual([1, 2]);
    for (const r of doc.workloads) {
      for (const k of ["name", "unit", "engine", "baseline", "baselineName", "ratio", "target", "higherIsBetter", "met"]) expect(r).toHaveProperty(k);
    }
  });
});

describe("--repeat: rows combined over whole runs", () => {
  const row = (engine: number, baseline: number, extra: Partial<Parameters<typeof makeRow>[0]> = {}) =>
    makeRow({ ...base, engine, baseline, target: 0.9, higherIsBetter: true, ...extra });
  it("the ratio is the median of the runs' own ratios, not the ratio of the medians", () => {
    // Runs on a drifting machine: engine and baseline move together within a run.
    const [r] = combineRuns([[row(9, 10)], [row(4.6, 5)], [row(20, 25)]]);
    expect(r!.ratio).toBeCloseTo(0.9, 12); // ratios 0.9, 0.92, 0.8
    expect(r!.engine).toBe(9);
    expect(r!.baseline).toBe(10);
    expect(r!.met).toBe(true);
    expect(r!.note).toContain("median of 3 runs; ratio 0.80–0.92");
    // The ratio of the medians would read 0.9 here too; a case where they differ:
    const t = { target: 1.05 };
    const [d] = combineRuns([[row(10, 10, t)], [row(3, 5, t)], [row(9, 8, t)]]); // ratios 1, 0.6, 1.125
    expect(d!.ratio).toBeCloseTo(1, 12);
    expect(d!.met).toBe(false);
    expect(d!.engine! / d!.baseline!).toBeCloseTo(9 / 8, 12); // which would have read as met
  });
  it("lower-is-better and absolute targets read the medians the same way", () => {
    const lower = (e: number, b: number) => row(e, b, { target: 1, higherIsBetter: false });
    expect(combineRuns([[lower(1.2, 1)], [lower(0.8, 1)], [lower(0.9, 1)]])[0]!.met).toBe(true);
    expect(combineRuns([[lower(1.2, 1)], [lower(1.1, 1)], [lower(0.9, 1)]])[0]!.met).toBe(false);
    const abs = (e: number) => row(e, 1, { target: 3, targetOn: "engine", higherIsBetter: false });
    expect(combineRuns([[abs(2.5)], [abs(3.5)], [abs(2.9)]])[0]!.met).toBe(true);
    expect(combineRuns([[abs(2.5)], [abs(3.5)], [abs(3.1)]])[0]!.met).toBe(false);
  });
  it("rows keep their first-run order; a row seen once (workload 7) is passed through", () => {
    const a = makeRow({ ...base, name: "a", engine: 1, baseline: 1, target: null, higherIsBetter: true });
    const b = makeRow({ ...base, name: "b", engine: 2, baseline: 1, target: null, higherIsBetter: true, note: "keep" });
    const relay = makeRow({ ...base, workload: 7, name: "relay", engine: 1, baseline: 1, target: 1.2, higherIsBetter: false, note: "from json" });
    const b2 = makeRow({ ...base, name: "b", engine: 2, baseline: 1, target: null, higherIsBetter: true, note: "keep" });
    const out = combineRuns([[a, b, relay], [a, b2]]);
    expect(out.map((r) => r.name)).toEqual(["a", "b", "relay"]);
    expect(out[1]!.note).toBe("median of 2 runs; ratio 2.00–2.00; keep");
    expect(out[2]).toBe(relay);
    // Notes that differ between runs (per-run figures): the first run's, marked as such.
    const n1 = makeRow({ ...base, name: "c", engine: 1, baseline: 1, target: null, higherIsBetter: true, note: "A 2.69" });
    const n2 = makeRow({ ...base, name: "c", engine: 1, baseline: 1, target: null, higherIsBetter: true, note: "A 2.71" });
    expect(combineRuns([[n1], [n2]])[0]!.note).toBe("median of 2 runs; ratio 1.00–1.00; first run: A 2.69");
  });
  it("a failed run keeps its failure at the front of the note (--check sees it); medians over the rest", () => {
    const spec = { ...base, workload: 3, target: 0.9, higherIsBetter: true, baseline: 10 } as const;
    const w3 = (e: number) => row(e, 10, { workload: 3 });
    const out = combineRuns([[w3(9.5)], [failedRow(spec, "timed out")], [w3(9.3)]]);
    expect(out[0]!.note?.startsWith("failed: timed out")).toBe(true);
    expect(harnessProblems(out)).toHaveLength(1);
    expect(out[0]!.ratio).toBeCloseTo(0.94, 12);
    expect(combineRuns([[failedRow(spec, "x")], [failedRow(spec, "y")]])[0]!.met).toBe(false);
  });
});

describe("a workload whose engine piece is missing or fails", () => {
  const spec = { ...base, workload: 2, baseline: null, target: 0.9, higherIsBetter: true } as const;
  it("gives each expected row a 'engine piece missing' note and met=false, never a number", async () => {
    const rows = await measured([spec, { ...spec, name: "w2" }], async () => {
      throw new PieceMissingError("runtime (createSyncEngine)", "src/runtime/index.ts does not load");
    }, () => undefined);
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      expect(r.engine).toBeNull();
      expect(r.met).toBe(false);
      expect(r.note).toBe("engine piece missing: runtime (createSyncEngine)");
    }
  });
  it("a measurement that throws becomes a failed row", async () => {
    const [r] = await measured([spec], async () => {
      throw new RangeError("boom");
    }, () => undefined);
    expect(r!.note).toBe("failed: RangeError: boom");
    expect(harnessProblems([r!])).toHaveLength(1);
  });
});

describe("--check", () => {
  it("flags failed rows and unmeasured baselines, not missing pieces, by-design or full-run-only rows", () => {
    const spec = { ...base, workload: 3, target: 0.9, higherIsBetter: true } as const;
    const ok = [
      makeRow({ ...spec, engine: 1, baseline: 2 }),
      missingRow({ ...spec, baseline: 2 }, "runtime"),
      makeRow({ ...spec, engine: 5, baseline: null, baselineName: "(see workload 4)" }),
      makeRow({ ...spec, engine: null, baseline: null, note: FULL_RUN_ONLY }),
      makeRow({ ...spec, workload: 7, engine: null, baseline: null }),
    ];
    expect(harnessProblems(ok)).toEqual([]);
    const bad = [failedRow({ ...spec, baseline: null }, "timed out after 60 s"), makeRow({ ...spec, engine: 1, baseline: null })];
    expect(harnessProblems(bad)).toHaveLength(2);
  });
});

describe("stats", () => {
  it("medianItem returns the measured item whose key is the median (odd: the middle; even: the lower middle)", () => {
    const runs = [{ id: "a", r: 1.3 }, { id: "b", r: 1.1 }, { id: "c", r: 1.2 }];
    expect(medianItem(runs, (x) => x.r).id).toBe("c");
    expect(medianItem([...runs, { id: "d", r: 1.0 }], (x) => x.r).id).toBe("b");
    expect(medianItem([runs[0]!], (x) => x.r)).toBe(runs[0]);
    expect(() => medianItem([], () => 0)).toThrow(RangeError);
  });
  it("median and nearest-rank percentiles", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 0.5)).toBe(50);
    expect(percentile(xs, 0.99)).toBe(99);
    expect(() => median([])).toThrow(RangeError);
  });
  it("interleave alternates which side goes first", async () => {
    const order: string[] = [];
    const r = await interleave(4, { a: () => (order.push("a"), 1), b: () => (order.push("b"), 2) });
    expect(r).toEqual({ a: [1, 1, 1, 1], b: [2, 2, 2, 2] });
    expect(order.join("")).toBe("abbaabba");
  });
  it("the guard's loopback test", () => {
    expect(isLoopbackHost("127.0.0.1")).toBe(true);
    expect(isLoopbackHost("localhost")).toBe(true);
    expect(isLoopbackHost("::1")).toBe(true);
    expect(isLoopbackHost("10.255.255.53")).toBe(false);
    expect(isLoopbackHost("stun.l.google.com")).toBe(false);
  });
});

describe("one real baseline measurement", () => {
  let pair: WeriftPair | undefined;
  afterAll(async () => {
    await pair?.close();
  });
  it("bare werift ping-pong on loopback yields positive one-way times, and nothing leaves loopback", async () => {
    const guard = installLoopbackGuard();
    pair = await createWeriftPair();
    expect(pair.setupMs).toBeGreaterThan(0);
    const oneWay = await pingPong(pair, 64, 20, 5);
    expect(oneWay).toHaveLength(20);
    expect(oneWay.every((x) => x > 0 && Number.isFinite(x))).toBe(true);
    const row = makeRow({ ...base, engine: median(oneWay), baseline: median(oneWay), target: 1, higherIsBetter: false });
    expect(row.ratio).toBe(1);
    expect(guard.udpSends).toBeGreaterThan(0);
    expect(guard.blocked).toBe(0);
  }, 15_000);
  it("the guard refuses non-loopback UDP and DNS before anything is sent", async () => {
    const guard = installLoopbackGuard();
    const sock = dgram.createSocket("udp4");
    try {
      // 192.0.2.1 is TEST-NET-1; the guard throws before the datagram reaches the socket.
      expect(() => sock.send(Buffer.from("x"), 9, "192.0.2.1")).toThrow(NonLoopbackError);
      await expect(dns.promises.lookup("stun.l.google.com")).rejects.toThrow(NonLoopbackError);
      expect(guard.blocked).toBeGreaterThanOrEqual(2);
    } finally {
      sock.close();
    }
  });
});

describe("machine state beside the numbers", () => {
  it("reads the CPU pressure's 'some' averages, and nothing from text without them", () => {
    const text = "some avg10=12.50 avg60=8.10 avg300=4.00 total=140302666\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";
    expect(parseCpuPressure(text)).toEqual([12.5, 8.1, 4]);
    expect(cpuPressureLabel(parseCpuPressure(text))).toBe("some 12.5 / 8.1 / 4 % (10 s / 60 s / 300 s)");
    expect(parseCpuPressure("full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n")).toBeNull();
    expect(cpuPressureLabel(null)).toBe("n/a");
  });
});
