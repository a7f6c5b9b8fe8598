/** The memory discovery runs the discovery compliance suite, on a simulated clock. */
import { SimulatedClock } from "xstate";
import { discoveryCompliance } from "../../../../src/testing/compliance/discovery.js";
import { createMemoryNetwork } from "../../../../src/testing/network/index.js";

let n = 0;
discoveryCompliance("memory", {
  setup: async () => {
    const clock = new SimulatedClock();
    const net = createMemoryNetwork({ seed: `discovery-${n++}`, clock });
    return {
      a: net.device("a").discovery,
      b: net.device("b").discovery,
      inject: (raw: unknown) => net.injectRecord(raw),
      advance: (ms: number) => clock.increment(ms),
    };
  },
  teardown: async ({ a, b }) => {
    await a.close();
    await b.close();
  },
});
