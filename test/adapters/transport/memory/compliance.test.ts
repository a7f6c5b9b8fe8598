/** The memory transport runs the transport compliance suite. */
import { transportCompliance } from "../../../../src/testing/compliance/transport.js";
import { createMemoryNetwork } from "../../../../src/testing/network/index.js";

let n = 0;
transportCompliance("memory", {
  setup: async () => {
    const net = createMemoryNetwork({ seed: `transport-${n++}` });
    return { a: net.device("a").transport, b: net.device("b").transport, expectedPath: { kind: "memory" } };
  },
  teardown: async ({ a, b }) => {
    await a.close();
    await b.close();
  },
});
