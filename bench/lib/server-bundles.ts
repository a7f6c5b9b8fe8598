/**
 * The relay benches' servers as they run outside the repo: each entry bundled by
 * scripts/bundle-relay.ts (what `lethe relay` ships as dist/cli/relay.mjs: effect tree-shaken,
 * ws/ioredis/pino left as imports), run by plain `node` with no tsx loader in the process. The
 * floor (bench/relay-floor.ts) is bundled the same way, so neither side carries anything the other
 * does not. Bundles go to node_modules/.cache/lethe-bench (a second checkout's `--relay-entry`
 * is bundled there too, from its own sources).
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bundleRelay } from "../../scripts/bundle-relay.js";

const BUNDLES = fileURLToPath(new URL("../../node_modules/.cache/lethe-bench/", import.meta.url));

/** Bundle `entry` (a script that starts a server) as `name`.mjs; returns the bundle's path. */
export async function serverBundle(entry: string, name: string): Promise<string> {
  mkdirSync(BUNDLES, { recursive: true });
  const outfile = path.join(BUNDLES, `${name}.mjs`);
  await bundleRelay(entry, outfile);
  return outfile;
}
