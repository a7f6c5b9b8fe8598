/**
 * Child-process entry for bench/relay.ts: one relay, exactly as `lethe relay` runs it, so the
 * RSS the bench reads from /proc/<pid>/status is the server's alone.
 */
import { runRelayCli } from "../src/relay/cli.js";

await runRelayCli(process.argv.slice(2));
