/**
 * Child-process entry: `node --import tsx bench/lib/child-entry.ts <workload> [--quick] [--part=P]`.
 * Installs the loopback guard before anything opens a socket, runs one workload module from
 * bench/workloads/, and sends its rows (and the guard's counters) to the parent over IPC.
 */
import { installLoopbackGuard } from "./net-guard.js";
import type { Workload } from "./workload.js";

const guard = installLoopbackGuard();
const name = process.argv[2];
const quick = process.argv.includes("--quick");
const part = process.argv.find((a) => a.startsWith("--part="))?.slice(7);

async function main(): Promise<void> {
  if (name === undefined || !/^[a-z-]+$/.test(name)) throw new Error(`bad workload name ${name}`);
  const mod = (await import(`../workloads/${name}.js`)) as { run: Workload };
  const t0 = Date.now();
  const log = (m: string) => process.stderr.write(`  [${name} +${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}\n`);
  const rows = await mod.run({ quick, log, ...(part === undefined ? {} : { part }) });
  await new Promise<void>((resolve, reject) =>
    process.send!({ rows, guard }, (e: Error | null) => (e ? reject(e) : resolve())),
  );
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`  [${name}] crashed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
