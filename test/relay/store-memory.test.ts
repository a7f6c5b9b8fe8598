/** The memory store passes the store compliance suite under a simulated clock. */
import { SimulatedClock } from "xstate";
import { memoryStore } from "../../src/relay/store/memory.js";
import { storeCompliance } from "./store-compliance.js";

storeCompliance("memory", {
  async setup() {
    const clock = new SimulatedClock();
    const store = memoryStore({ clock, ttlSeconds: 60, nameplateCooldownSeconds: 15, releasedNameplateCooldownSeconds: 60 });
    // Past the TTL, then past the longer cool-down counted from when a nameplate expired.
    return { store, expire: async () => clock.increment(121_000) };
  },
  teardown: (store) => store.close(),
});
