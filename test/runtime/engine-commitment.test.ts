/**
 * Commit-then-reveal on the engine (docs/protocol.md §3), over the memory network:
 * - a reveal that does not match the host's commitment (altered on the way): the joiner refuses
 *   it with CommitmentMismatchError before deriving anything from it, tells the host (`abort`),
 *   and both end `wrongCode` with the code burned and every key zeroed, at once (no timeout);
 * - the host never reveals before it has the joiner's SPAKE2 message, and out-of-order input on
 *   its side (a tag first, a commitment, a second SPAKE2 message after the reveal — Mallory
 *   changing her mind once she has seen the host's message) is a typed error that burns the code.
 *   (The joiner's side, a reveal before any commitment, is in
 *   test/adapters/discovery/mdns/pairing-spoofer.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { map } from "rxjs";
import { createKeyStore, createPairingHandshake, parseCode } from "../../src/adapters/crypto/index.js";
import type { Signaling, SignalingSession } from "../../src/adapters/signaling/types.js";
import { decodePairingEnvelope, encodePairingEnvelope, type PairingEnvelope } from "../../src/runtime/codec.js";
import type { EngineEvent } from "../../src/runtime/index.js";
import { collectEvents, expectForgotten, watchKeys } from "./helpers.js";
import { seededDevices } from "./mitm.js";

/** The joiner's nameplate session with every arriving pairing message passed through `alter`. */
function tampered(inner: Signaling, alter: (m: PairingEnvelope) => PairingEnvelope): Signaling {
  const wrap = (s: SignalingSession): SignalingSession => ({
    nameplate: s.nameplate,
    peerJoined: s.peerJoined,
    messages$: s.messages$.pipe(map((blob) => encodePairingEnvelope(alter(decodePairingEnvelope(blob))))),
    send: (b) => s.send(b),
    close: () => s.close(),
  });
  return { ...inner, join: async (np, o) => wrap(await inner.join(np, o)) };
}

function setup(seed: string, joinSignaling?: (s: Signaling) => Signaling) {
  const { clock, network, make } = seededDevices({ seed, prngSeed: `commit:${seed}` });
  return { clock, network, laptop: make("laptop"), phone: make("phone", joinSignaling) };
}

const pairingErrors = (events: EngineEvent[]) =>
  events.flatMap((e) => (e.type === "error" && e.source === "pairing" ? [e.name] : []));

describe("commit-then-reveal on the engine", () => {
  it("a reveal that does not match the commitment: CommitmentMismatchError, abort, wrongCode on both, code burned, keys zero", async () => {
    // Someone on the path swaps the host's reveal for another valid SPAKE2 message with the same code.
    let swapped = 0;
    const s = setup("commit-mismatch", (inner) =>
      tampered(inner, (m) => {
        if (m.kind !== "pake") return m;
        swapped++;
        const other = createPairingHandshake({ role: "join", password: new TextEncoder().encode(code), keyStore: createKeyStore() });
        other.acceptCommitment(new Uint8Array(32));
        return { kind: "pake", bytes: other.message };
      }),
    );
    const keys = [watchKeys(s.laptop), watchKeys(s.phone)] as const;
    const ev = [collectEvents(s.laptop), collectEvents(s.phone)] as const;
    const { code } = await s.laptop.host();
    const err = await s.phone.join(code).then(() => undefined, (e: unknown) => e as Error);
    await s.network.idle();
    expect(swapped).toBe(1);
    expect(err?.name).toBe("WrongCodeError");
    expect(s.clock.now()).toBe(0); // decided at once, on both sides: no pairing timeout
    expect(pairingErrors(ev[1].events)).toEqual(["CommitmentMismatchError"]);
    expect(pairingErrors(ev[0].events)).toEqual(["PairingAbortedError"]);
    // The host had derived its SPAKE2 key (it had the joiner's message); all zero now. The
    // joiner derived nothing from the altered reveal.
    expect(keys[0].buffers.size).toBeGreaterThan(0);
    expectForgotten(s.laptop, keys[0], ev[0], "wrongCode");
    expect(s.phone.snapshot().endReason).toBe("wrongCode");
    expect(keys[1].buffers.size).toBe(0);
    // burned: the nameplate is gone
    const late = setup("commit-mismatch-late");
    await expect(late.phone.join(code)).rejects.toMatchObject({ name: "NameplateNotFoundError" });
  });

  describe("the host's side: a raw joiner on the nameplate", () => {
    /** The laptop hosts; Mallory joins its nameplate with her own signaling and runs `script`. */
    async function hostAgainst(seed: string, script: (session: SignalingSession, code: string) => Promise<void>) {
      const s = setup(seed);
      const ev = collectEvents(s.laptop);
      const { code } = await s.laptop.host();
      const session = await s.network.device("mallory").signaling.join(parseCode(code).nameplate);
      const received: string[] = [];
      session.messages$.subscribe((b) => received.push(decodePairingEnvelope(b).kind));
      await s.network.idle();
      await script(session, code);
      await s.network.idle();
      return { s, ev, received, code };
    }
    const send = (session: SignalingSession, m: PairingEnvelope) => session.send(encodePairingEnvelope(m));

    it("the host sends only its commitment until the joiner's SPAKE2 message is in", async () => {
      const r = await hostAgainst("host-waits", async () => undefined);
      expect(r.received).toEqual(["commit"]);
      expect(r.s.laptop.snapshot().status).toBe("pairing");
      await r.s.laptop.end();
    });

    it("a tag before the joiner's SPAKE2 message: PairingOrderError, wrongCode at once, and no reveal", async () => {
      const r = await hostAgainst("host-tag-first", (session) => send(session, { kind: "confirm", bytes: new Uint8Array(32).fill(1) }));
      expect(await r.s.laptop.ended).toBe("wrongCode");
      expect(r.s.clock.now()).toBe(0);
      expect(pairingErrors(r.ev.events)).toEqual(["PairingOrderError"]);
      expect(r.received).toEqual(["commit"]);
    });

    it("a commitment from the joiner (only the host commits): PairingOrderError, wrongCode", async () => {
      const r = await hostAgainst("host-commit", (session) => send(session, { kind: "commit", bytes: new Uint8Array(32).fill(2) }));
      expect(await r.s.laptop.ended).toBe("wrongCode");
      expect(pairingErrors(r.ev.events)).toEqual(["PairingOrderError"]);
      expect(r.received).toEqual(["commit"]);
    });

    it("a second SPAKE2 message after the reveal (Mallory re-choosing hers): PairingOrderError, wrongCode", async () => {
      const r = await hostAgainst("host-rechoose", async (session, code) => {
        const pw = () => parseCode(code).password;
        const first = createPairingHandshake({ role: "join", password: pw(), keyStore: createKeyStore() });
        first.acceptCommitment(new Uint8Array(32));
        await send(session, { kind: "pake", bytes: first.message });
        const second = createPairingHandshake({ role: "join", password: pw(), keyStore: createKeyStore() });
        second.acceptCommitment(new Uint8Array(32));
        await send(session, { kind: "pake", bytes: second.message });
      });
      expect(r.received).toEqual(["commit", "pake", "confirm"]); // the reveal came only after her first message
      expect(await r.s.laptop.ended).toBe("wrongCode");
      expect(pairingErrors(r.ev.events)).toEqual(["PairingOrderError"]);
    });

    it("a byte-identical repeat of the joiner's SPAKE2 message is counted and ignored", async () => {
      const r = await hostAgainst("host-repeat", async (session, code) => {
        const hs = createPairingHandshake({ role: "join", password: parseCode(code).password, keyStore: createKeyStore() });
        hs.acceptCommitment(new Uint8Array(32));
        await send(session, { kind: "pake", bytes: hs.message });
        await send(session, { kind: "pake", bytes: hs.message });
      });
      expect(pairingErrors(r.ev.events)).toEqual(["PairingDuplicateError"]);
      expect(r.s.laptop.snapshot().status).toBe("pairing");
      await r.s.laptop.end();
    });
  });
});
