import { defineConfig } from "vitest/config";

// The net-lab soak (`npm run test:soak`): the path rows again and again on one topology, for
// flakiness and connect-time medians. Not part of `npm test` (files end in .soak.ts).
export default defineConfig({
  test: {
    root: new URL("../..", import.meta.url).pathname,
    include: ["test/net-lab/**/*.soak.ts"],
    testTimeout: 30 * 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    reporters: ["default"],
  },
});
