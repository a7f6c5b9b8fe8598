/** The werift transport through the adapter-neutral Transport compliance suite, on loopback. */
import { transportCompliance } from "../../../../src/testing/compliance/transport.js";
import { weriftTransport } from "../../../../src/adapters/transport/werift/index.js";

transportCompliance("werift (loopback)", {
  setup: async () => ({
    a: weriftTransport({ loopbackOnly: true })(),
    b: weriftTransport({ loopbackOnly: true })(),
    expectedPath: { kind: "ice", local: "host", remote: "host", protocol: "udp" },
  }),
  teardown: async ({ a, b }) => {
    await a.close();
    await b.close();
  },
});
