/**
 * A spoofer on the LAN answers a nameplate (it hosts LAN signaling on loopback; discovery is the
 * in-memory one, so no multicast leaves the process) and sends anything but a proper SPAKE2
 * message or confirmation tag. The joining engine must burn the code at once: PAKE_FAILED
 * {malformed} -> the session ends `wrongCode`, join() rejects with WrongCodeError, the error is
 * counted on events$, and no time passes on the engine's clock (it never waits for the 5-minute
 * pairing timeout). The spoofer learns nothing beyond the joiner's public SPAKE2 message, and
 * that only after it committed to its own (docs/protocol.md §3).
 */
import { test, fc } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { firstValueFrom, toArray } from "rxjs";
import { SimulatedClock } from "xstate";
import { createMemoryNetwork, createSyncEngine, type EngineEvent } from "../../../../src/runtime/index.js";
import { lanSignaling } from "../../../../src/adapters/discovery/mdns/index.js";
import { createKeyStore, createPairingHandshake } from "../../../../src/adapters/crypto/index.js";
import { decodePairingEnvelope, encodePairingEnvelope } from "../../../../src/runtime/codec.js";
import type { SignalingSession } from "../../../../src/adapters/signaling/types.js";

const LOOP = "127.0.0.1";

/** What the spoofer does once the joiner is connected: posts these blobs, possibly after it has read the joiner's first message. */
type Script = (s: SignalingSession, firstFromJoiner: Promise<Uint8Array>) => Promise<void>;

async function spoofed(script: Script) {
  const clock = new SimulatedClock();
  const net = createMemoryNetwork({ seed: "spoofer", clock });
  const spooferSig = lanSignaling({ discovery: net.device("spoofer").discovery, interface: LOOP })();
  const host = await spooferSig.host();
  const received: Uint8Array[] = [];
  host.messages$.subscribe((b) => received.push(b));
  const first = firstValueFrom(host.messages$, { defaultValue: new Uint8Array(0) });
  const scripted = host.peerJoined.then(() => script(host, first));

  const phone = net.device("phone");
  const engine = createSyncEngine({
    signaling: lanSignaling({ discovery: phone.discovery, interface: LOOP }),
    transport: phone.transport,
    deviceName: "phone",
    clock,
  });
  const events: EngineEvent[] = [];
  const all = firstValueFrom(engine.events$.pipe(toArray()));
  engine.events$.subscribe((e) => events.push(e));
  const joinError = await engine.join(`${host.nameplate}-adroitness-aardvark`).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  const reason = await engine.ended;
  await all;
  await scripted; // a script may wait for what the joiner sends last
  await host.close();
  await spooferSig.close();
  return { joinError, reason, events, received, clockNow: clock.now() };
}

/** The spoofer as a host that guessed `pw`: commits, waits for the joiner's SPAKE2 message, takes it in. */
async function spooferHost(s: SignalingSession, first: Promise<Uint8Array>, pw: string) {
  const hs = createPairingHandshake({ role: "host", password: new TextEncoder().encode(pw), keyStore: createKeyStore() });
  await s.send(encodePairingEnvelope({ kind: "commit", bytes: hs.commitment }));
  hs.receive(decodePairingEnvelope(await first).bytes);
  return hs;
}

const expectBurned = (r: Awaited<ReturnType<typeof spoofed>>, receivedAtMost: number) => {
  expect(r.joinError?.name).toBe("WrongCodeError");
  expect(r.reason).toBe("wrongCode");
  expect(r.clockNow).toBe(0); // decided at once: no pairing timeout, no delay of any kind
  const errs = r.events.filter((e): e is Extract<EngineEvent, { type: "error" }> => e.type === "error" && e.source === "pairing");
  expect(errs.length).toBeGreaterThan(0);
  expect(r.received.length).toBeLessThanOrEqual(receivedAtMost);
};

describe("pairing against a spoofer (LAN signaling on loopback)", () => {
  test.prop([fc.uint8Array({ minLength: 0, maxLength: 120 })], { numRuns: 12 })(
    "junk instead of a commitment burns the code at once; the spoofer gets nothing (the joiner sends only after a commitment)",
    async (junk) => {
      const r = await spoofed(async (s) => s.send(junk));
      expectBurned(r, 0);
    },
  );

  test("a wrong-length SPAKE2 envelope burns the code", async () => {
    expectBurned(await spoofed(async (s) => s.send(new Uint8Array([1, 1, 5, 1, 2, 3, 4, 5]))), 1);
  });

  test("a confirmation tag before any SPAKE2 message burns the code", async () => {
    expectBurned(await spoofed(async (s) => s.send(encodePairingEnvelope({ kind: "confirm", bytes: new Uint8Array(32).fill(3) }))), 1);
  });

  test("a SPAKE2 message before any commitment (a reveal before the joiner's message) burns the code; the joiner sends nothing", async () => {
    const r = await spoofed(async (s) => {
      const hs = createPairingHandshake({ role: "join", password: new TextEncoder().encode("1-adroitness-aardvark"), keyStore: createKeyStore() });
      hs.acceptCommitment(new Uint8Array(32));
      await s.send(encodePairingEnvelope({ kind: "pake", bytes: hs.message }));
    });
    expectBurned(r, 0);
    expect(r.events).toContainEqual(expect.objectContaining({ type: "error", source: "pairing", name: "PairingOrderError" }));
  });

  test("a real commitment and reveal (a guessed code) then a malformed tag burns the code", async () => {
    const r = await spoofed(async (s, first) => {
      const hs = await spooferHost(s, first, "1-adroitness-aardvark");
      await s.send(encodePairingEnvelope({ kind: "pake", bytes: hs.message }));
      await s.send(new Uint8Array([1, 2, 0xde, 0xad]));
    });
    expectBurned(r, 2); // the joiner's SPAKE2 message and its tag (useless without the code)
  });

  test("a second, different commitment burns the code", async () => {
    const r = await spoofed(async (s, first) => {
      await spooferHost(s, first, "1-adroitness-aardvark");
      await s.send(encodePairingEnvelope({ kind: "commit", bytes: new Uint8Array(32).fill(7) }));
    });
    expectBurned(r, 1);
  });

  test("a reveal that does not match the commitment: CommitmentMismatchError, wrongCode, the spoofer is told (abort) and gets no tag", async () => {
    const r = await spoofed(async (s, first) => {
      await spooferHost(s, first, "1-adroitness-aardvark");
      // the spoofer changes its mind after seeing the joiner's message
      const other = createPairingHandshake({ role: "join", password: new TextEncoder().encode("1-adroitness-aardvark"), keyStore: createKeyStore() });
      other.acceptCommitment(new Uint8Array(32));
      const next = firstValueFrom(s.messages$, { defaultValue: undefined }); // the abort, sent before the joiner closed
      await s.send(encodePairingEnvelope({ kind: "pake", bytes: other.message }));
      await next;
    });
    expectBurned(r, 2);
    expect(r.received.map((b) => decodePairingEnvelope(b).kind)).toEqual(["pake", "abort"]);
    expect(r.events).toContainEqual(expect.objectContaining({ type: "error", source: "pairing", name: "CommitmentMismatchError" }));
  });

  test("a real commitment and reveal and a well-formed but wrong tag: wrongCode, as any wrong guess", async () => {
    const r = await spoofed(async (s, first) => {
      const hs = await spooferHost(s, first, "1-adroitness-aardvark");
      await s.send(encodePairingEnvelope({ kind: "pake", bytes: hs.message }));
      await s.send(encodePairingEnvelope({ kind: "confirm", bytes: new Uint8Array(32).fill(9) }));
    });
    expect(r.joinError?.name).toBe("WrongCodeError");
    expect(r.reason).toBe("wrongCode");
    expect(r.clockNow).toBe(0);
  });
});

