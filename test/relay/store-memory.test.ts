/** The memory store passes the store compliance suite under a simulated clock. */
import { SimulatedClock } from "xstate";
import { memoryStore } from "../../src/relay/store/memory.js";
import { storeCompliance } from "./store-compliance.js";

storeCompliance("memory", {
  async setup({ random }) {
    const clock = new SimulatedClock();
    const store = memoryStore({ clock, ttlSeconds: 60, nameplateCooldownSeconds: 60, ...(random ? { random } : {}) });
    return { store, expire: async () => clock.increment(60_001) };
  },
  teardown: (store) => store.close(),
});
