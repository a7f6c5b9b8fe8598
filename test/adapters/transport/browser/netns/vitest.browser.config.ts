import { defineConfig } from "vitest/config";

// Suites that drive Chromium inside a private network namespace. Started by
// test/adapters/transport/browser/browser-suites.test.ts through the namespace helper (`ip netns exec NS vitest run
// --config this`), never by the root config: their files end in .netns.ts. One file at a time:
// the machine has 2 cores and each file runs its own Chromium.
export default defineConfig({
  test: {
    root: new URL("../../../../..", import.meta.url).pathname,
    include: ["test/adapters/transport/browser/netns/**/*.netns.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    fileParallelism: false,
    reporters: ["default"],
  },
});
