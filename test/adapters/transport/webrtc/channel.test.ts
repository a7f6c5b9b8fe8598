/**
 * The shared WebRTC channel's close sequence (src/adapters/transport/webrtc/channel.ts) runs its
 * two grace waits on the clock it is given: a peer that never drains nor acknowledges the stream
 * reset holds the connection exactly drainGraceMs + closeGraceMs of that clock, no wall time.
 */
import { describe, expect, it } from "vitest";
import { TestClock } from "../../../../src/testing/test-clock.js";
import { WebRtcChannel, type DataChannelLike } from "../../../../src/adapters/transport/webrtc/channel.js";

class FakeDc implements DataChannelLike {
  readyState = "open";
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
}

const TIMINGS = { drainGraceMs: 3_000, closeGraceMs: 500 };
const LIMITS = { highWaterMark: 64 * 1024, lowWaterMark: 16 * 1024, maxMessageSize: 64 * 1024, maxPendingBytes: 1 << 20 };

/** A stack that never answers: nothing drains, the reset is never acknowledged. */
class DeafChannel extends WebRtcChannel<FakeDc> {
  resets = 0;
  releases = 0;
  constructor(dc: FakeDc, clock: TestClock) {
    super("c1", dc, LIMITS, TIMINGS, clock);
  }
  protected transmit(): void {
    this.dc.bufferedAmount += 1;
  }
  protected onceBufferedAmountLow(): () => void {
    return () => undefined;
  }
  protected onceClosed(): () => void {
    return () => undefined;
  }
  protected resetStream(): void {
    this.resets++;
    this.dc.readyState = "closing";
  }
  protected releaseConnection(): void {
    this.releases++;
  }
}

/** Lets the close sequence's async steps run (promise jobs only; no time passes). */
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe("WebRtcChannel close grace waits", () => {
  it("wait drainGraceMs then closeGraceMs on the injected clock before releasing the connection", async () => {
    const clock = new TestClock();
    const dc = new FakeDc();
    const ch = new DeafChannel(dc, clock);
    ch.send(new Uint8Array([1])); // stays buffered: the peer never drains
    let reason: string | undefined;
    void ch.closed.then((r) => (reason = r));
    ch.close();
    await settle();
    expect(clock.pendingDelays()).toEqual([TIMINGS.drainGraceMs]);
    clock.advance(TIMINGS.drainGraceMs - 1);
    await settle();
    expect(ch.resets).toBe(0);
    clock.advance(1);
    await settle();
    expect(ch.resets).toBe(1); // drained or not, the stream is reset now
    expect(clock.pendingDelays()).toEqual([TIMINGS.closeGraceMs]);
    clock.advance(TIMINGS.closeGraceMs - 1);
    await settle();
    expect(ch.releases).toBe(0);
    clock.advance(1);
    await settle();
    expect(ch.releases).toBe(1);
    expect(reason).toBe("local");
    expect(clock.pending).toBe(0);
  });
});
