/**
 * Channel binding: the werift offer/answer (and with them the DTLS fingerprints) travel only
 * inside signals sealed with the pairing keys. A man-in-the-middle on the signaling path (a
 * hostile relay or LAN box, modelled as a Signaling wrapper around the memory signaling) that
 * swaps the sealed blobs for its own werift peer's SDP, flips a byte in them, or reflects a
 * device's own blob back to it cannot get in: every such signal fails authentication and is
 * counted on events$ (source "signal"), the connect attempt fails with a typed error (source
 * "transport"), and the session never reports `connected` — no fallback, no silent downgrade.
 * A pass-through wrapper (same code path, no tampering) connects, so the test can fail.
 */
import { describe, expect, it } from "vitest";
import { Subject, filter, firstValueFrom, map, type Observable } from "rxjs";
import { createMemoryNetwork, createSyncEngine, type EngineEvent, type SyncEngine } from "../../../../src/runtime/index.js";
import { weriftTransport } from "../../../../src/adapters/transport/werift/index.js";
import type { Signaling, SignalingSession } from "../../../../src/adapters/signaling/types.js";
import type { Channel } from "../../../../src/adapters/transport/types.js";

type Mode = "passthrough" | "substitute" | "flip" | "reflect";

/** The MITM: pairing (nameplate sessions) passes untouched; the sealed mailbox traffic is tampered. */
function mitm(inner: Signaling, mode: Mode, attackerSdp: () => Uint8Array, seen: { blobs: number }): Signaling {
  const tamperSession = (s: SignalingSession): SignalingSession => {
    const reflected = new Subject<Uint8Array>();
    const messages$: Observable<Uint8Array> =
      mode === "reflect"
        ? reflected
        : s.messages$.pipe(
            map((blob) => {
              seen.blobs++;
              if (mode === "substitute") return attackerSdp();
              if (mode === "flip") {
                const b = blob.slice();
                const i = (seen.blobs * 7919) % b.length;
                b[i] = b[i]! ^ 0x01;
                return b;
              }
              return blob;
            }),
          );
    return {
      nameplate: s.nameplate,
      peerJoined: s.peerJoined,
      messages$,
      send: async (blob) => {
        if (mode === "reflect") {
          seen.blobs++;
          reflected.next(blob.slice()); // the device's own sealed signal comes back to it
          return;
        }
        await s.send(blob);
      },
      close: async () => {
        reflected.complete();
        await s.close();
      },
    };
  };
  return {
    kind: `mitm(${inner.kind})`,
    host: (o) => inner.host(o),
    join: (np, o) => inner.join(np, o),
    mailbox: async (id, side, o) => tamperSession(await inner.mailbox(id, side, o)),
    close: () => inner.close(),
  };
}

/** The attacker's own werift peer: its offer (a real SDP with its own DTLS fingerprint). */
async function attackerOffer() {
  const t = weriftTransport({ loopbackOnly: true })();
  const out = new Subject<Uint8Array>();
  const abort = new AbortController();
  const opened: { channel?: Channel } = {};
  const connecting = t
    .connect({ role: "offerer", signals: { send: (s) => out.next(s), received$: new Subject<Uint8Array>() }, signal: abort.signal })
    .then((c) => (opened.channel = c), () => undefined);
  const sdp = await firstValueFrom(out);
  return {
    sdp,
    opened,
    close: async () => {
      abort.abort();
      await connecting;
      await t.close();
    },
  };
}

const errorsOf = (events: EngineEvent[]) => events.filter((e): e is Extract<EngineEvent, { type: "error" }> => e.type === "error");

/** Resolves at the first event matching `pred` (events already seen count). */
const eventWhere = (e: SyncEngine, log: EngineEvent[], pred: (ev: EngineEvent) => boolean) =>
  log.some(pred) ? Promise.resolve() : firstValueFrom(e.events$.pipe(filter(pred))).then(() => undefined);

async function run(mode: Mode) {
  const attacker = mode === "substitute" ? await attackerOffer() : { sdp: new Uint8Array(0), opened: {} as { channel?: Channel }, close: async () => {} };
  const net = createMemoryNetwork({ seed: `mitm-${mode}` });
  const seen = { blobs: 0 };
  const mk = (name: string) => {
    const dev = net.device(name);
    return createSyncEngine({
      signaling: mitm(dev.signaling, mode, () => attacker.sdp, seen),
      transport: weriftTransport({ loopbackOnly: true }),
      deviceName: name,
      timings: { connectTimeoutMs: 1_500 },
    });
  };
  const a = mk("laptop");
  const b = mk("phone");
  const la: EngineEvent[] = [];
  const lb: EngineEvent[] = [];
  a.events$.subscribe((e) => la.push(e));
  b.events$.subscribe((e) => lb.push(e));
  const { code } = await a.host();
  const joined = b.join(code).then(() => "connected", (e: unknown) => (e as Error).name);
  return { a, b, la, lb, joined, attacker, seen };
}

describe("channel binding: a MITM on the signaling path cannot get in (werift, loopback)", () => {
  it("control: the same wrapper passing blobs through connects", async () => {
    const r = await run("passthrough");
    try {
      expect(await r.joined).toBe("connected");
      expect(errorsOf([...r.la, ...r.lb]).filter((e) => e.source === "signal")).toEqual([]);
      expect(r.seen.blobs).toBeGreaterThan(0);
    } finally {
      await r.a.end();
      await r.b.end();
      await r.attacker.close();
    }
  }, 20_000);

  for (const mode of ["substitute", "flip", "reflect"] as const) {
    it(`${mode}: every tampered signal is refused and counted; the connect attempt fails typed; never connected`, async () => {
      const r = await run(mode);
      try {
        // One full connect attempt on each side runs out (connectTimeoutMs) with nothing accepted.
        const transportFailed = (ev: EngineEvent) => ev.type === "error" && ev.source === "transport";
        await Promise.all([eventWhere(r.a, r.la, transportFailed), eventWhere(r.b, r.lb, transportFailed)]);
        const signalErrors = errorsOf([...r.la, ...r.lb]).filter((e) => e.source === "signal");
        expect(signalErrors.length).toBeGreaterThan(0);
        for (const e of signalErrors) {
          expect(e.name).toMatch(/^[A-Z][A-Za-z]+Error$/);
          expect(e.fatal).toBe(false);
        }
        const transportErrors = errorsOf([...r.la, ...r.lb]).filter((e) => e.source === "transport");
        for (const e of transportErrors) expect(e.name).toMatch(/^(ConnectAbortedError|ConnectFailedError|ConnectTimeoutError)$/);
        for (const log of [r.la, r.lb]) expect(log.some((e) => e.type === "connected")).toBe(false);
        for (const e of [r.a, r.b]) {
          expect(e.snapshot().status).not.toBe("connected");
          expect(e.snapshot().channel).toBeNull();
        }
        // Counted where tampered signals arrived (the offerer may never hear back at all).
        const counted = [r.a, r.b].flatMap((e) => Object.entries(e.snapshot().counters).filter(([k]) => k.startsWith("error.signal.")));
        expect(counted.reduce((n, [, v]) => n + v, 0)).toBe(signalErrors.length);
        expect(r.attacker.opened.channel).toBeUndefined(); // the attacker's own peer got nowhere either
        console.log(`${mode}: refused signals ${[...new Set(signalErrors.map((e) => e.name))].join(",")} x${signalErrors.length}; transport ${[...new Set(transportErrors.map((e) => e.name))].join(",")}`);
      } finally {
        await r.a.end();
        await r.b.end();
        expect(await r.joined).not.toBe("connected");
        await r.attacker.close();
      }
    }, 20_000);
  }
});
