/**
 * werift channels take their close grace waits from the components' clock: close() arms the
 * delivery wait (CLOSE_DELIVERY_MS) on the injected clock, and when the peer acknowledges in time
 * the wait is cleared there, leaving no timer behind. Two real werift transports on loopback.
 */
import { firstValueFrom } from "rxjs";
import { describe, expect, it } from "vitest";
import { weriftTransport } from "../../../../src/adapters/transport/werift/index.js";
import { CLOSE_DELIVERY_MS } from "../../../../src/adapters/transport/types.js";
import { WatchedClock } from "../../../helpers/watched-clock.js";
import { pipePair } from "./pipes.js";

describe("weriftTransport on the components' clock", () => {
  it("close() waits for delivery on the injected clock and clears that wait once the peer has the data", async () => {
    const clock = new WatchedClock();
    const components = { clock, random: (n: number) => new Uint8Array(n).fill(3) };
    const ta = weriftTransport({ loopbackOnly: true })(components);
    const tb = weriftTransport({ loopbackOnly: true })(components);
    try {
      const pipes = pipePair();
      const [a, b] = await Promise.all([ta.connect({ role: "offerer", signals: pipes.a }), tb.connect({ role: "answerer", signals: pipes.b })]);
      expect(clock.pending).toBe(0);
      const got = firstValueFrom(b.messages$);
      a.send(new TextEncoder().encode("last words"));
      const armed = clock.nextArmed(CLOSE_DELIVERY_MS);
      a.close();
      await armed; // the delivery wait runs on the test's clock, not the platform's timers
      expect(new TextDecoder().decode(await got)).toBe("last words");
      expect(await a.closed).toBe("local");
      expect(await b.closed).toBe("remote");
      expect(clock.pending).toBe(0); // acknowledged in time: every grace wait was cleared, none fired
    } finally {
      await Promise.all([ta.close(), tb.close()]);
    }
  });
});
