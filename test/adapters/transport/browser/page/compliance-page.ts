/**
 * Page entry for the Transport compliance suite in Chromium. Bundled by
 * test/adapters/transport/browser/netns/page-build.ts with `vitest` aliased to ./vitest-shim.ts; registers the very
 * suite every transport runs, for `browserTransport`, and exposes list/run to the driver.
 */
import { transportCompliance } from "../../../../../src/testing/compliance/transport.js";
import { browserTransport } from "../../../../../src/adapters/transport/browser/index.js";
import { connectPair } from "../../../../../src/testing/compliance/transport.js";
import { describe, expect, it, registered } from "./vitest-shim.js";

transportCompliance("browser (Chromium)", {
  setup: async () => ({
    a: browserTransport()(),
    b: browserTransport()(),
    expectedPath: { kind: "ice", local: "host", remote: "host", protocol: "udp" },
  }),
  teardown: async ({ a, b }) => {
    await a.close();
    await b.close();
  },
});

/** Records every RTCPeerConnection a transport makes, so a test can kill one underneath. */
function tapped() {
  const made: RTCPeerConnection[] = [];
  class Tap extends RTCPeerConnection {
    constructor(config?: RTCConfiguration) {
      super(config);
      made.push(this);
    }
  }
  return { made, transport: browserTransport({ RTCPeerConnection: Tap })() };
}

describe("browser transport (Chromium) extras", () => {
  it("a peer connection dying underneath is transport loss: the other side reports failed", async () => {
    const a = browserTransport()();
    const b = tapped();
    try {
      const [ca, cb] = await connectPair(a, b.transport);
      b.made[0]!.close(); // not a channel close: the whole connection goes away (SCTP abort)
      expect(await ca.closed).toBe("failed");
      expect(await cb.closed).toBe("failed");
      expect(() => ca.send(new Uint8Array(1))).toThrow(expect.objectContaining({ name: "ChannelClosedError" }));
    } finally {
      await a.close();
      await b.transport.close();
    }
  });

  it("signals carry no .local candidate and the channel is binary, reliable and ordered", async () => {
    const a = tapped();
    const b = tapped();
    try {
      const [ca, cb] = await connectPair(a.transport, b.transport);
      for (const pc of [...a.made, ...b.made]) {
        expect(pc.remoteDescription?.sdp.includes(".local")).toBe(false);
        expect(pc.localDescription !== null).toBe(true);
      }
      const got = new Promise<Uint8Array>((r) => cb.messages$.subscribe(r));
      ca.send(new Uint8Array([1, 2, 3]));
      expect(await got).toEqual(new Uint8Array([1, 2, 3]));
    } finally {
      await a.transport.close();
      await b.transport.close();
    }
  });
});

const w = globalThis as unknown as {
  complianceTests: () => string[];
  runCompliance: (name: string) => Promise<string | null>;
};
w.complianceTests = () => [...registered.keys()];
/** Resolves with null on success, else the failure as text (errors do not cross evaluate well). */
w.runCompliance = async (name) => {
  const fn = registered.get(name);
  if (fn === undefined) return `no test named ${name}`;
  try {
    await fn();
    return null;
  } catch (e) {
    return e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ""}` : String(e);
  }
};
