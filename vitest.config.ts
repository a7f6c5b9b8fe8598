import { defineConfig } from "vitest/config";

// One config for every suite. Suites that need privileges or services (network namespaces,
// Redis, Chromium) check for them and fail loudly rather than skip: CI provides them all.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    reporters: ["default"],
  },
});
