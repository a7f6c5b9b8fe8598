/** The bulk rows' drop counter: the kernel's `RcvbufErrors`, and the note it writes. */
import { describe, expect, it } from "vitest";
import { countingDrops, dropsNote, udpReceiveBufferDrops } from "../../bench/lib/udp-drops.js";

describe("UDP receive-buffer drops", () => {
  it("reads the kernel's counter on Linux", () => {
    const n = udpReceiveBufferDrops();
    expect(Number.isInteger(n) && n! >= 0).toBe(true);
  });

  it("counts around a trial and writes median and max per side, or nothing without counts", async () => {
    const engine: number[] = [];
    const trial = countingDrops(engine, async () => 7);
    expect(await trial()).toBe(7);
    expect(engine).toHaveLength(1);
    expect(engine[0]).toBeGreaterThanOrEqual(0);
    expect(dropsNote([3, 40, 5], [1, 2, 90])).toBe("; UDP receive-buffer drops per burst, median (max): engine 5 (40), floor 2 (90)");
    expect(dropsNote([], [1])).toBe("");
  });
});
