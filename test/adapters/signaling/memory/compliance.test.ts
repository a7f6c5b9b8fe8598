/** The memory signaling runs the signaling compliance suite. */
import { signalingCompliance } from "../../../../src/testing/compliance/signaling.js";
import { createMemoryNetwork } from "../../../../src/testing/network/index.js";

let n = 0;
signalingCompliance("memory", {
  setup: async () => {
    const net = createMemoryNetwork({ seed: `signaling-${n++}` });
    return { a: net.device("a").signaling, b: net.device("b").signaling, c: net.device("c").signaling };
  },
  teardown: async ({ a, b, c }) => {
    await Promise.all([a.close(), b.close(), c.close()]);
  },
});
