/**
 * A man in the middle who knows the pairing code, on the memory network: the strongest attacker
 * the verification words are for (DESIGN §4; docs/threat-model.md "Verification words").
 *
 * The relay is hostile: the laptop hosts nameplate N as usual; Mallory joins N with the code
 * (one SPAKE2 run, with the laptop), hosts a nameplate of her own, and the relay hands the phone's
 * join of N to Mallory's nameplate instead (a second SPAKE2 run, with the phone, same code). Both
 * runs succeed, so each device is paired — with Mallory. She then does what a real attacker must
 * to stay unnoticed: opens each device's private mailbox, re-seals signaling between them with her
 * two sets of signal keys, connects a channel to each device with her own transport, and relays
 * every frame: opens it with one session's keys, logs its type and plaintext, re-seals it with the
 * other's. Rotation frames are logged but not relayed (each leg would need its own ratchet; the
 * tests stay inside the first epoch).
 *
 * Pairing is commit-then-reveal (docs/protocol.md §3) and Mallory follows it, or the devices burn
 * the code: toward the phone she is the host (she commits before the phone sends), toward the
 * laptop the joiner (she sends before the laptop reveals). Her strategies (`strategy`):
 * - `relay` (default): both runs at once, then relaying.
 * - `grind`: the search that made the words match before the commitment existed
 *   (test/runtime/sas-grind.ts): she waits for both devices' SPAKE2 messages before fixing either
 *   of hers. Under commit-then-reveal neither device sends one first, so she waits for ever;
 *   `held` shows what she had to search over (the laptop's commitment, nothing else).
 * - `phoneFirst`: the best order left to her: finish the phone's run (its words are then known to
 *   her), then send her message to the laptop, which is fixed before the laptop reveals the
 *   message the laptop's words depend on. She cannot evaluate a candidate: the words match with
 *   probability 2^-32.
 *
 * Everything is the public crypto API (src/adapters/crypto) and the runtime's own wire codecs: no
 * engine internals. `frames` is Mallory's record of what crossed, in plaintext.
 */
import { filter, map } from "rxjs";
import {
  createKeyStore,
  createPairingHandshake,
  DEFAULT_IDENTITY,
  createSecureChannel,
  FrameType,
  nobleAead,
  parseCode,
  type KeyStore,
  type PairingHandshake,
  type SecureChannel,
} from "../../src/adapters/crypto/index.js";
import type { Signaling, SignalingSession } from "../../src/adapters/signaling/types.js";
import type { Channel, SignalPipe } from "../../src/adapters/transport/types.js";
import { createYjsCrdt } from "../../src/adapters/crdt/yjs.js";
import { createSyncEngine } from "../../src/runtime/engine.js";
import type { SyncEngine } from "../../src/runtime/types.js";
import { decodePairingEnvelope, decodeSignalEnvelope, encodePairingEnvelope, encodeSignalEnvelope } from "../../src/runtime/codec.js";
import { createMemoryNetwork, createPrng, TestClock, type MemoryNetwork } from "../../src/testing/index.js";
import { fixedScalar, grindMatchingWords } from "./sas-grind.js";

const utf8 = new TextEncoder();

export type Leg = "laptop" | "phone";

/** One frame Mallory opened: who sent it, its type, its plaintext. */
export interface SeenFrame {
  readonly from: Leg;
  readonly type: FrameType;
  readonly payload: Uint8Array;
}

/** Mallory's session with one device. */
interface Half {
  readonly words: readonly string[];
  readonly sc: SecureChannel;
  channel?: Channel;
}

export interface MitmSetup {
  readonly clock: TestClock;
  readonly network: MemoryNetwork;
  /** The hosting device. */
  readonly laptop: SyncEngine;
  /** The joining device, whose relay is Mallory's. */
  readonly phone: SyncEngine;
  readonly mallory: Mallory;
  settle(): Promise<void>;
}

export interface Mallory {
  /**
   * Rig the relay for `code` (read off the laptop, as the person would type it): resolves once
   * the phone's join will land on Mallory; pairing both devices and connecting go on after.
   */
  intercept(code: string): Promise<void>;
  /** Resolves once Mallory has a channel to both devices and relays between them. */
  readonly relaying: Promise<void>;
  /** The words of Mallory's session with each device (null until that SPAKE2 run finished). */
  words(leg: Leg): readonly string[] | null;
  /** Every frame Mallory opened, in order. */
  readonly frames: readonly SeenFrame[];
  /** Pairing messages Mallory received from each device so far, by kind, in order. */
  readonly held: Readonly<Record<Leg, readonly string[]>>;
  /** With `grind`: the search, once it had both devices' SPAKE2 messages (null while it waits). */
  readonly search: { readonly candidates: number; readonly ms: number } | null;
  /** Seal a frame with Mallory's keys for `leg` and send it there (a forgery the device can open). */
  inject(leg: Leg, type: FrameType, payload: Uint8Array): void;
  /** Zero Mallory's keys and close her channels. */
  close(): void;
}

const frameNames = Object.fromEntries(Object.entries(FrameType).map(([k, v]) => [v, k])) as Record<number, string>;
export const frameName = (t: number): string => frameNames[t] ?? `type ${t}`;

/** Count Mallory's frames by sender and type name: { "laptop SYNC": 2, "phone PING": 5, … }. */
export function census(frames: readonly SeenFrame[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of frames) out[`${f.from} ${frameName(f.type)}`] = (out[`${f.from} ${frameName(f.type)}`] ?? 0) + 1;
  return out;
}

/** Plaintext bytes of document data (SYNC and AWARENESS frames) Mallory saw from `leg`. */
export function dataBytes(frames: readonly SeenFrame[], leg?: Leg): number {
  return frames
    .filter((f) => (leg === undefined || f.from === leg) && (f.type === FrameType.SYNC || f.type === FrameType.AWARENESS))
    .reduce((n, f) => n + f.payload.length, 0);
}

/** The relay's one lie: a join of `from` lands on Mallory's nameplate. */
function hostileRelay(inner: Signaling, redirect: Map<string, string>): Signaling {
  return {
    kind: inner.kind,
    host: (o) => inner.host(o),
    join: (nameplate, o) => inner.join(redirect.get(nameplate) ?? nameplate, o),
    mailbox: (id, side, o) => inner.mailbox(id, side, o),
    close: () => inner.close(),
  };
}

export type MalloryStrategy = "relay" | "grind" | "phoneFirst";

/**
 * Engines on one seeded memory network and TestClock, their randomness from `prngSeed`; `make`
 * may wrap a device's signaling (a hostile relay, a tampering one).
 */
export function seededDevices(o: { seed: string; prngSeed: string; verify?: boolean }) {
  const clock = new TestClock();
  const network = createMemoryNetwork({ seed: o.seed, clock });
  const prng = createPrng(o.prngSeed);
  const make = (name: string, signaling?: (s: Signaling) => Signaling): SyncEngine => {
    const device = network.device(name);
    return createSyncEngine({
      ...device,
      signaling: signaling ? signaling(device.signaling) : device.signaling,
      random: (n) => prng.bytes(n),
      crdt: createYjsCrdt({ clientId: prng.int(1, 2 ** 31) }),
      clock,
      ...(o.verify === undefined ? {} : { verify: o.verify }),
    });
  };
  return { clock, network, prng, make };
}

export function createMitmSetup(o: { seed: string; verify: boolean; strategy?: MalloryStrategy }): MitmSetup {
  const { clock, network, prng, make } = seededDevices({ seed: o.seed, prngSeed: `mitm:${o.seed}`, verify: o.verify });
  const redirect = new Map<string, string>();
  const laptop = make("laptop");
  const phone = make("phone", (s) => hostileRelay(s, redirect));
  const mallory = createMallory(network, redirect, (n) => prng.bytes(n), o.strategy ?? "relay");
  return { clock, network, laptop, phone, mallory, settle: () => network.idle() };
}

function createMallory(network: MemoryNetwork, redirect: Map<string, string>, random: (n: number) => Uint8Array, strategy: MalloryStrategy): Mallory {
  const { signaling, transport } = network.device("mallory");
  let search: { candidates: number; ms: number } | null = null;
  const frames: SeenFrame[] = [];
  const halves: Partial<Record<Leg, Half>> = {};
  const keyStores = [createKeyStore(), createKeyStore()] as const;
  let startRelay!: () => void;
  let failRelay!: (e: unknown) => void;
  const relaying = new Promise<void>((resolve, reject) => {
    startRelay = resolve;
    failRelay = reject;
  });
  relaying.catch(() => undefined); // read by the tests that wait for it

  const held: Record<Leg, string[]> = { laptop: [], phone: [] };

  /** What a device posts on its nameplate session: commitment (laptop), SPAKE2 message, tag. */
  const listen = (session: SignalingSession, leg: Leg) => {
    type Kind = "commit" | "pake" | "confirm";
    const got: Partial<Record<Kind, (b: Uint8Array) => void>> = {};
    const wait = (k: Kind) => new Promise<Uint8Array>((r) => (got[k] = r));
    const promises = { commit: wait("commit"), pake: wait("pake"), confirm: wait("confirm") };
    const sub = session.messages$.subscribe((blob) => {
      const env = decodePairingEnvelope(blob);
      held[leg].push(env.kind);
      if (env.kind !== "abort") got[env.kind]!(env.bytes);
    });
    return { session, ...promises, done: () => sub.unsubscribe() };
  };
  type Listened = ReturnType<typeof listen>;

  const half = (hs: PairingHandshake, keyStore: KeyStore, leg: Listened): Half => {
    leg.done();
    return { words: hs.sas(), sc: createSecureChannel({ keyStore, aead: nobleAead, random }) };
  };
  const handshake = (role: "host" | "join", code: string, keyStore: KeyStore, scalar?: bigint) => {
    const { password } = parseCode(code);
    const hs = createPairingHandshake({ role, password, keyStore, random: scalar === undefined ? random : fixedScalar(scalar) });
    password.fill(0);
    return hs;
  };
  const send = (leg: Listened, kind: "commit" | "pake" | "confirm", bytes: Uint8Array) => leg.session.send(encodePairingEnvelope({ kind, bytes }));

  /** Toward the phone Mallory is the host: commit, take the phone's message, reveal, confirm. */
  const pairAsHost = async (leg: Listened, code: string, keyStore: KeyStore, scalar?: bigint): Promise<Half> => {
    const hs = handshake("host", code, keyStore, scalar);
    await send(leg, "commit", hs.commitment);
    const tag = hs.receive(await leg.pake);
    await send(leg, "pake", hs.message);
    await send(leg, "confirm", tag);
    hs.confirm(await leg.confirm);
    return half(hs, keyStore, leg);
  };

  /** Toward the laptop Mallory is the joiner: take the commitment, send hers, take the reveal, confirm. */
  const pairAsJoiner = async (leg: Listened, code: string, keyStore: KeyStore, scalar?: bigint): Promise<Half> => {
    const hs = handshake("join", code, keyStore, scalar);
    hs.acceptCommitment(await leg.commit);
    await send(leg, "pake", hs.message);
    await send(leg, "confirm", hs.receive(await leg.pake));
    hs.confirm(await leg.confirm);
    return half(hs, keyStore, leg);
  };

  /**
   * `grind`: the search needs both devices' SPAKE2 messages before Mallory fixes hers. It waits
   * for them; under commit-then-reveal they never come first, so it never starts.
   */
  const scalars = async (code: string, laptop: Listened, phone: Listened) => {
    if (strategy !== "grind") return [undefined, undefined] as const;
    const [laptopMessage, phoneMessage] = await Promise.all([laptop.pake, phone.pake]);
    const { password } = parseCode(code);
    const t0 = performance.now();
    const found = grindMatchingWords({ password, identity: utf8.encode(DEFAULT_IDENTITY), laptopMessage, phoneMessage, random });
    password.fill(0);
    search = { candidates: found.candidates, ms: performance.now() - t0 };
    return [found.laptopScalar, found.phoneScalar] as const;
  };

  /** The device's sealed signaling, opened and re-sealed with this half's signal keys. */
  const pipeTo = (mailbox: SignalingSession, sc: SecureChannel): SignalPipe => ({
    send: (bytes) => void mailbox.send(sc.sealSignal(encodeSignalEnvelope({ kind: "transport", bytes }))),
    received$: mailbox.messages$.pipe(map((sealed) => decodeSignalEnvelope(sc.openSignal(sealed)).bytes)),
  });

  /** Relay every frame from one device to the other, re-sealed; log what it says. */
  const relay = (from: Leg, to: Leg) => {
    const src = halves[from]!;
    const dst = halves[to]!;
    src.channel!.messages$
      .pipe(
        map((frame) => src.sc.open(frame)),
        filter((f) => {
          frames.push({ from, type: f.type, payload: f.payload.slice() });
          return f.type !== FrameType.ROTATE && f.type !== FrameType.ROTATE_ACK;
        }),
      )
      .subscribe((f) => {
        if (dst.channel?.state === "open" && !dst.sc.wiped) dst.channel.send(dst.sc.seal(f.type, f.payload));
      });
  };

  return {
    frames,
    relaying,
    held,
    get search() {
      return search;
    },
    words: (leg) => halves[leg]?.words ?? null,
    async intercept(code) {
      const nameplate = parseCode(code);
      nameplate.password.fill(0);
      const withLaptop = await signaling.join(nameplate.nameplate);
      const withPhone = await signaling.host();
      redirect.set(nameplate.nameplate, withPhone.nameplate);
      // The relay is rigged: the rest runs while the phone joins.
      const laptopLeg = listen(withLaptop, "laptop");
      const phoneLeg = listen(withPhone, "phone");
      void (async () => {
        const [laptopScalar, phoneScalar] = await scalars(code, laptopLeg, phoneLeg);
        let laptopHalf: Half;
        let phoneHalf: Half;
        if (strategy === "phoneFirst") {
          phoneHalf = await pairAsHost(phoneLeg, code, keyStores[1]);
          laptopHalf = await pairAsJoiner(laptopLeg, code, keyStores[0]);
        } else {
          [laptopHalf, phoneHalf] = await Promise.all([
            pairAsJoiner(laptopLeg, code, keyStores[0], laptopScalar),
            pairAsHost(phoneLeg, code, keyStores[1], phoneScalar),
          ]);
        }
        halves.laptop = laptopHalf;
        halves.phone = phoneHalf;
        void withLaptop.close();
        void withPhone.close();
        // Each device's private mailbox (the laptop hosted, the phone joined), then a channel to
        // each: the laptop offers (its role), Mallory answers; Mallory offers to the phone.
        const laptopBox = await signaling.mailbox(laptopHalf.sc.mailboxId, "join");
        const phoneBox = await signaling.mailbox(phoneHalf.sc.mailboxId, "host");
        [laptopHalf.channel, phoneHalf.channel] = await Promise.all([
          transport.connect({ role: "answerer", signals: pipeTo(laptopBox, laptopHalf.sc) }),
          transport.connect({ role: "offerer", signals: pipeTo(phoneBox, phoneHalf.sc) }),
        ]);
        relay("laptop", "phone");
        relay("phone", "laptop");
      })().then(startRelay, failRelay);
    },
    inject(leg, type, payload) {
      const h = halves[leg];
      if (h?.channel === undefined) throw new Error(`Mallory has no channel to the ${leg} yet`);
      h.channel.send(h.sc.seal(type, payload));
    },
    close() {
      for (const h of Object.values(halves)) {
        h.channel?.close();
        h.sc.wipe();
      }
      for (const k of keyStores) k.wipe();
      void transport.close();
      void signaling.close();
    },
  };
}
