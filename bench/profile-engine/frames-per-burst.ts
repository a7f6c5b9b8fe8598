/**
 * Frames and bytes A hands its channel for one 10k-set burst (coalescing check).
 *   npx tsx bench/profile-engine/frames-per-burst.ts [werift|memory]
 */
import { createEnginePair } from "../lib/engine-pair.js";
import { installLoopbackGuard } from "../lib/net-guard.js";
import { setBurst } from "../lib/yjs-drivers.js";

installLoopbackGuard();
const pair = await createEnginePair({ transport: (process.argv[2] as "werift" | "memory") ?? "memory", aead: "node" });
for (let i = 0; i < 3; i++) {
  const w0 = { ...pair.wireA };
  const b = await setBurst(pair.docs, 10_000, `f${i}`);
  const frames = pair.wireA.frames - w0.frames;
  const bytes = pair.wireA.bytes - w0.bytes;
  console.log(`burst: ${frames} frames, ${bytes} B (${(bytes / frames).toFixed(0)} B/frame), update bytes ${b.updateBytes}, ${(b.sets / (b.ms / 1000)).toFixed(0)} sets/s`);
}
await pair.close();
process.exit(0);
