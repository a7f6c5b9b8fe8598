/**
 * The relay as `lethe relay` runs it: `npx tsx scripts/bundle-relay.ts` (part of `npm run build`)
 * -> dist/cli/relay.mjs, one ESM file holding src/relay/cli.ts and everything it imports —
 * effect tree-shaken, our own modules — with `ws`, `ioredis` and `pino` left as imports (the two
 * optional peers are loaded lazily, as everywhere; pino is a dependency).
 *
 * Why a bundle: loaded from node_modules module by module, effect's Schema keeps ~13 MB of module
 * source on the heap (its files are mostly documentation), so a relay process lived with ~22 MB
 * of heap against ~7 MB for a bare `ws` server, and every young and major collection ran beside
 * it. Bundled, everything the relay loads adds ~3 MB. bench:relay and bench:relay-instructions
 * measure the relay through this same function (docs/performance.md, "The relay as shipped").
 */
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

/** Packages the bundle imports rather than holds: the optional peers, and pino (its own worker-thread code must stay a package). */
export const RELAY_BUNDLE_EXTERNAL = ["ws", "ioredis", "pino"];

/** Bundle `entry` (src/relay/cli.ts, or a script that runs it) into `outfile`, as shipped. */
export async function bundleRelay(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: RELAY_BUNDLE_EXTERNAL,
    // Readable stack traces in an operator's logs: not minified; license comments dropped.
    legalComments: "none",
    logLevel: "warning",
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const repo = fileURLToPath(new URL("..", import.meta.url));
  await bundleRelay(`${repo}src/relay/cli.ts`, `${repo}dist/cli/relay.mjs`);
}
