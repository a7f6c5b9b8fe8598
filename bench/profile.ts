/**
 * Profiling driver: the engine's latency or throughput path alone, for `node --cpu-prof`.
 *
 *   npx tsx bench/profile.ts latency|burst|bulk [n]      # writes bench/profiles/<mode>.cpuprofile
 *   npx tsx bench/profile.ts summary bench/profiles/<mode>.cpuprofile   # top self-time functions
 *
 * For readable function names and lines, run it bundled (tsx strips whitespace, so every
 * function of a .ts file reports line 1):
 *   npx esbuild bench/profile.ts --bundle --platform=node --format=esm --packages=external \
 *     --outfile=node_modules/.cache/lethe-bench/profile.mjs && node node_modules/.cache/lethe-bench/profile.mjs latency
 * `summary` maps bundle lines back to the source file through esbuild's `// path.ts` markers.
 *
 * The profile is taken with node:inspector's Profiler (the same V8 CPU profiler as
 * `node --cpu-prof`, same .cpuprofile format) around the measured section only, so module
 * loading and connection setup do not drown the steady-state path.
 *
 * Prints wall time, process CPU time and the engine's frame counts, so "waiting" (timers,
 * network) can be told apart from "working" (CPU) before reading the profile.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { createEnginePair } from "./lib/engine-pair.js";
import { installLoopbackGuard } from "./lib/net-guard.js";
import { loadCrypto } from "./lib/pieces.js";
import { cpuMsSince, median, nowMs, p99 } from "./lib/stats.js";
import { binaryBurst, setBurst, setObserveLatency } from "./lib/yjs-drivers.js";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** For a bundled script: line -> source file, from esbuild's `// src/x.ts` section comments. */
const bundleMaps = new Map<string, { line: number; file: string }[]>();
function sourceOf(url: string, line: number): string {
  if (!url.endsWith(".mjs") || !url.includes("lethe-bench/")) return url;
  let marks = bundleMaps.get(url);
  if (marks === undefined) {
    marks = [];
    const lines = readFileSync(url.replace(/^file:\/\//, ""), "utf8").split("\n");
    lines.forEach((l, i) => {
      const m = /^\/\/ ((?:src|bench|test)\/\S+\.ts)$/.exec(l);
      if (m) marks!.push({ line: i + 1, file: m[1]! });
    });
    bundleMaps.set(url, marks);
  }
  let file = url;
  for (const m of marks) if (m.line <= line) file = m.file;
  return file;
}

/** Self time per function (and per file) from a .cpuprofile. */
function summary(file: string, top = 25): void {
  const prof = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>();
  const file_ = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const url = sourceOf(n.callFrame.url, n.callFrame.lineNumber + 1).replace(/^file:\/\//, "").replace(process.cwd() + "/", "");
    const key = `${n.callFrame.functionName || "(anonymous)"} ${url}:${n.callFrame.lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const f = url === "" ? n.callFrame.functionName : url.replace(/^node_modules\/(@[^/]+\/[^/]+|[^/]+)\/.*/, "node_modules/$1");
    file_.set(f, (file_.get(f) ?? 0) + us);
  }
  const show = (m: Map<string, number>, n: number) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).forEach(([k, us]) => console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`));
  // "Owner": native and node:internal frames charged to the nearest ancestor in a package or
  // project file, so e.g. the OpenSSL calls under aead-node.ts count for the crypto adapter and
  // the UDP sends under werift count for werift.
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const owned = (url: string) => url !== "" && !url.startsWith("node:");
  const owner = new Map<string, number>();
  for (const [id, us] of self) {
    let n: ProfileNode | undefined = byId.get(id);
    while (n !== undefined && !owned(n.callFrame.url)) {
      const p = parent.get(n.id);
      n = p === undefined ? undefined : byId.get(p);
    }
    const first = byId.get(id)!.callFrame.functionName;
    const key = n === undefined
      ? first.startsWith("(") ? first : "(native/node, no JS caller)"
      : sourceOf(n.callFrame.url, n.callFrame.lineNumber + 1).replace(/^file:\/\//, "").replace(process.cwd() + "/", "").replace(/^node_modules\/(@[^/]+\/[^/]+|[^/]+)\/.*/, "node_modules/$1");
    owner.set(key, (owner.get(key) ?? 0) + us);
  }
  console.log(`total sampled ${(total / 1000).toFixed(0)} ms\n-- by owner (natives charged to their JS caller's file) --`);
  show(owner, 15);
  console.log("-- by module/file (self) --");
  show(file_, 15);
  console.log("-- by function (self) --");
  show(fn, top);
  // Inclusive time of project functions (src/…): a sample counts once for every distinct
  // project function on its stack, so "publish 20%" means 20% of samples were under publish.
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    let n: ProfileNode | undefined = byId.get(id);
    while (n !== undefined) {
      const src = sourceOf(n.callFrame.url, n.callFrame.lineNumber + 1);
      if (src.startsWith("src/")) seen.add(`${n.callFrame.functionName || "(anonymous)"} ${src}:${n.callFrame.lineNumber + 1}`);
      const p = parent.get(n.id);
      n = p === undefined ? undefined : byId.get(p);
    }
    for (const k of seen) inclusive.set(k, (inclusive.get(k) ?? 0) + us);
  }
  console.log("-- project functions, inclusive (bundle line numbers) --");
  show(inclusive, 20);
}

/** Start V8's CPU profiler on this thread; the returned function stops it and writes the file. */
async function startProfiler(name: string): Promise<() => Promise<void>> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (e, r) => (e ? reject(e) : resolve(r))));
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: 200 });
  await post("Profiler.start");
  return async () => {
    const { profile } = (await post("Profiler.stop")) as { profile: unknown };
    mkdirSync("bench/profiles", { recursive: true });
    writeFileSync(`bench/profiles/${name}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
  };
}

/** Sealed-frame seal+open alone (node:crypto backend), `size`-byte payloads, for ~2 s. */
async function profileFrames(size: number): Promise<void> {
  const c = await loadCrypto();
  const code = new TextEncoder().encode("7-crossover-clockwork");
  const sa = c.createKeyStore();
  const sb = c.createKeyStore();
  const ha = c.createPairingHandshake({ role: "host", password: code.slice(), keyStore: sa });
  const hb = c.createPairingHandshake({ role: "join", password: code.slice(), keyStore: sb });
  hb.acceptCommitment(ha.commitment);
  const ta = ha.receive(hb.message);
  ha.confirm(hb.receive(ha.message));
  hb.confirm(ta);
  const A = c.createSecureChannel({ keyStore: sa, aead: c.nodeAead });
  const B = c.createSecureChannel({ keyStore: sb, aead: c.nodeAead });
  const pt = new Uint8Array(size).fill(3);
  for (let i = 0; i < 2000; i++) B.open(A.seal(c.FrameType.SYNC, pt));
  const stop = await startProfiler("frames");
  const t0 = nowMs();
  let n = 0;
  while (nowMs() - t0 < 2000) {
    for (let i = 0; i < 64; i++) B.open(A.seal(c.FrameType.SYNC, pt));
    n += 64;
  }
  await stop();
  console.log(`frames ${size} B: ${((n * size) / 2 ** 20 / ((nowMs() - t0) / 1000)).toFixed(2)} MiB/s, ${(((nowMs() - t0) * 1000) / n).toFixed(1)} µs per seal+open`);
  A.wipe();
  B.wipe();
}

async function main(): Promise<void> {
  const [what = "latency", arg] = process.argv.slice(2);
  if (what === "summary") return summary(arg!);
  installLoopbackGuard();
  if (what === "frames") return profileFrames(Number(arg ?? 1024));
  const pair = await createEnginePair({ transport: "werift", aead: "node" });
  await setObserveLatency(pair.docs, 50, 0, "warm");
  await setBurst(pair.docs, 1000, "warm");
  const stop = await startProfiler(what);
  const w0 = { ...pair.wireA };
  const c0 = process.cpuUsage();
  const t0 = nowMs();
  if (what === "latency") {
    const l = await setObserveLatency(pair.docs, Number(arg ?? 2000), 0);
    console.log(`latency p50 ${median(l).toFixed(3)} ms p99 ${p99(l).toFixed(3)} ms`);
  } else if (what === "burst") {
    const b = await setBurst(pair.docs, Number(arg ?? 10_000), "p");
    console.log(`burst ${(b.sets / (b.ms / 1000)).toFixed(0)} sets/s`);
  } else if (what === "bulk") {
    console.log(`bulk ${(await binaryBurst(pair.docs, Number(arg ?? 512), 16384, "p")).toFixed(2)} MiB/s`);
  } else throw new Error(`unknown mode ${what}`);
  const wall = nowMs() - t0;
  console.log(`wall ${wall.toFixed(0)} ms, CPU ${cpuMsSince(c0).toFixed(0)} ms (${((100 * cpuMsSince(c0)) / wall).toFixed(0)}% of a core); A sent ${pair.wireA.frames - w0.frames} frames, ${pair.wireA.bytes - w0.bytes} B`);
  await stop();
  await pair.close();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
