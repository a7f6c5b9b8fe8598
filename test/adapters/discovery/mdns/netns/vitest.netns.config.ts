import { defineConfig } from "vitest/config";

// Suites that must run inside a private network namespace (mDNS multicast). They are started by
// test/adapters/discovery/mdns/*.test.ts through test/helpers/netns.ts (`ip netns exec NS vitest run --config this`),
// never by the root config: their files end in .netns.ts, which the root include does not match.
export default defineConfig({
  test: {
    root: new URL("../../../../..", import.meta.url).pathname,
    include: ["test/adapters/discovery/mdns/netns/**/*.netns.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: "forks",
    reporters: ["default"],
  },
});
