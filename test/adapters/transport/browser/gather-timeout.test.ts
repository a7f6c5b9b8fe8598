/**
 * The browser transport's ICE gather timeout (src/adapters/transport/browser/transport.ts) runs
 * on the engine's clock: with a peer connection whose gathering never completes, the offer
 * leaves exactly `gatherTimeoutMs` of that clock after connect(), with the candidates found so
 * far. Runs in Node with a stand-in RTCPeerConnection (the real browser suites are in
 * browser-suites.test.ts); no wall time passes.
 */
import { Subject } from "rxjs";
import { describe, expect, it } from "vitest";
import { browserTransport } from "../../../../src/adapters/transport/browser/index.js";
import { TestClock } from "../../../../src/testing/test-clock.js";
import { defaultComponents } from "../../../../src/adapters/components.js";

const SDP = ["v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host", ""].join("\r\n");

/** An RTCPeerConnection that starts gathering and never finishes. */
class GatheringForever extends EventTarget {
  iceGatheringState = "gathering";
  connectionState = "new";
  iceConnectionState = "new";
  remoteDescription: unknown = null;
  localDescription: { type: string; sdp: string } | null = null;
  closed = false;
  createDataChannel() {
    const dc = new EventTarget() as EventTarget & Record<string, unknown>;
    Object.assign(dc, { readyState: "connecting", bufferedAmount: 0, bufferedAmountLowThreshold: 0, binaryType: "blob" });
    return dc;
  }
  async createOffer() {
    return { type: "offer", sdp: SDP };
  }
  async setLocalDescription(d: { type: string; sdp: string }) {
    this.localDescription = d;
  }
  close() {
    this.closed = true;
  }
}

/** Let promise jobs and the transport's awaits run (no time passes on any clock). */
const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

describe("browserTransport gather timeout", () => {
  it("sends the offer after gatherTimeoutMs on the components' clock, not before", async () => {
    const clock = new TestClock();
    const made: GatheringForever[] = [];
    const PC = class extends GatheringForever {
      constructor() {
        super();
        made.push(this);
      }
    } as unknown as typeof RTCPeerConnection;
    const transport = browserTransport({ RTCPeerConnection: PC, gatherTimeoutMs: 5_000 })({ ...defaultComponents, clock });
    const sent: Uint8Array[] = [];
    const abort = new AbortController();
    const connecting = transport.connect({ role: "offerer", signals: { send: (s) => sent.push(s), received$: new Subject<Uint8Array>() }, signal: abort.signal });
    connecting.catch(() => undefined);
    await settle();
    expect(made).toHaveLength(1);
    expect(clock.pendingDelays()).toEqual([5_000]);
    clock.advance(4_999);
    await settle();
    expect(sent).toHaveLength(0);
    clock.advance(1);
    await settle();
    expect(sent).toHaveLength(1); // the offer, with what was gathered so far
    expect(new TextDecoder().decode(sent[0]!)).toContain("127.0.0.1 50000 typ host");
    abort.abort();
    await expect(connecting).rejects.toMatchObject({ name: expect.stringMatching(/Aborted|NoPath/) });
    expect(made[0]!.closed).toBe(true);
    expect(clock.pending).toBe(0);
    await transport.close();
  });
});
