/**
 * The relay client's timers on the components' clock (src/adapters/signaling/relay): after the
 * socket drops, the reconnect waits its jittered backoff on the injected clock — drawn from
 * components.random — and nothing happens until the test moves that clock; while the relay is
 * gone the backoff doubles up to its cap. A real relay on loopback; no wall-clock waits.
 */
import { afterEach, describe, expect, it } from "vitest";
import { relaySignaling } from "../../../../src/adapters/signaling/relay/index.js";
import { startRelay } from "../../../relay/helpers.js";
import { WatchedClock } from "../../../helpers/watched-clock.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** components.random with every byte `fill`: jitter 0 (0x00) or just under 1 (0xff). */
const bytes = (fill: number) => (n: number) => new Uint8Array(n).fill(fill);
const MAILBOX = "0123456789abcdef0123456789abcdef";

async function setup(fill: number) {
  const relay = await startRelay();
  let stopped = false;
  const stop = async () => {
    if (!stopped) await relay.server.stop();
    stopped = true;
  };
  cleanups.push(stop);
  const clock = new WatchedClock();
  const signaling = relaySignaling({ url: relay.url, backoffInitialMs: 1_000, backoffMaxMs: 8_000 })({ clock, random: bytes(fill) });
  cleanups.push(() => signaling.close());
  // A mailbox survives reconnects (the adapter re-opens it), so the link keeps wanting the relay.
  const box = await signaling.mailbox(MAILBOX, "host");
  return { clock, signaling, box, stop };
}

describe("relaySignaling on the components' clock", { timeout: 10_000 }, () => {
  it("reconnects after the jittered backoff on the injected clock, and not before", async () => {
    const { clock, signaling } = await setup(0x00);
    const armed = clock.nextArmed(500);
    signaling.dropConnection();
    expect(await armed).toBe(500); // first backoff: cap 1000, jitter 0 -> 500
    clock.advance(499);
    expect(signaling.stats.reconnects).toBe(0);
    clock.advance(1);
    expect(signaling.stats.reconnects).toBe(1);
    // Connected again: a request goes through (this relay has no TURN: a typed refusal, not a timeout).
    await expect(signaling.turnCredentials()).rejects.toMatchObject({ name: "TurnUnavailableError" });
  });

  it("draws the jitter from components.random", async () => {
    const { clock, signaling } = await setup(0xff);
    const armed = clock.nextArmed((ms) => ms >= 999 && ms < 1_000);
    signaling.dropConnection();
    const delay = await armed; // cap 1000, jitter just under 1 -> just under 1000
    clock.advance(delay - 1);
    expect(signaling.stats.reconnects).toBe(0);
    clock.advance(1);
    expect(signaling.stats.reconnects).toBe(1);
  });

  it("while the relay is gone, the backoff doubles up to its cap, each wait on the injected clock", async () => {
    const { clock, signaling, stop } = await setup(0x00);
    const first = clock.nextArmed(500);
    await stop(); // the relay closes our socket: the link is lost
    await first;
    const seen: number[] = [500];
    for (const next of [1_000, 2_000, 4_000, 4_000]) {
      const armed = clock.nextArmed(next);
      clock.advance(seen.at(-1)!); // the retry runs; the connection is refused; the next backoff is armed
      seen.push(await armed);
    }
    expect(seen).toEqual([500, 1_000, 2_000, 4_000, 4_000]);
    expect(signaling.stats.reconnects).toBe(4);
  });
});
