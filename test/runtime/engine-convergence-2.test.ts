/** Convergence under faults, partitions and forced rotations: runs 2 of 2 (see convergence.ts). */
import { it } from "vitest";
import { checkConvergence } from "./convergence.js";

it("engines converge after faults and partitions heal, with rotations in the middle (250 sessions)", async () => {
  const totals = await checkConvergence("part 2", Number(process.env["LETHE_PROP_RUNS"] ?? 250), 7_4_2026);
  console.log("[part 2] totals", JSON.stringify(totals));
}, 120_000);
