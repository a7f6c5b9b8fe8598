/** Convergence under faults, partitions and forced rotations: runs 1 of 2 (see convergence.ts). */
import { it } from "vitest";
import { checkConvergence } from "./convergence.js";

it("engines converge after faults and partitions heal, with rotations in the middle (250 sessions)", async () => {
  const totals = await checkConvergence("part 1", Number(process.env["LETHE_PROP_RUNS"] ?? 250), 20261128);
  console.log("[part 1] totals", JSON.stringify(totals));
}, 120_000);
