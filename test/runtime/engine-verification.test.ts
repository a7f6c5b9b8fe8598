/**
 * Verification words (SAS) and strict mode (issue 15 §1; docs/api.md "Verification words"):
 * - honest devices show the same four words, right after `paired`, on the engine and in state;
 *   with `verify: true` not one document byte flows until the person confirmed on BOTH devices
 *   (one is not enough); rejecting ends with `verificationRejected` here and `peerEnded` there,
 *   both wiped; a verification nobody answers ends by inactivity;
 * - a man in the middle who knows the code (test/runtime/mitm.ts: a hostile relay hands the
 *   joiner to Mallory, who runs SPAKE2 with each device and relays re-sealed frames): the devices
 *   show different words, each equal to one of Mallory's sessions; without strict mode she reads
 *   the document; with strict mode on both she sees no document byte (her frame log, in
 *   plaintext, is the count), her own forged document frames are refused, and rejecting ends both;
 * - the search that used to defeat the words (docs/threat-model.md "Verification words"): before
 *   commit-then-reveal each device sent its SPAKE2 message at once, so a man in the middle who
 *   knew the code held both before fixing hers and searched ~2^17 candidates (seconds) for equal
 *   words. Now the host commits first and reveals last (docs/protocol.md §3): that search never
 *   gets an input (neither device sends a SPAKE2 message before Mallory has fixed hers), and the
 *   best order left to her gives different words; strict mode syncs nothing.
 */
import { describe, expect, it } from "vitest";
import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { EVEN_WORDS, FrameType, ODD_WORDS } from "../../src/adapters/crypto/index.js";
import { encodeBody } from "../../src/runtime/codec.js";
import type { EngineEvent, SyncEngine } from "../../src/runtime/index.js";
import { advance, createEnginePair } from "../../src/testing/index.js";
import { collectEvents, expectForgotten, watchKeys } from "./helpers.js";
import { census, createMitmSetup, dataBytes, type MitmSetup } from "./mitm.js";

const sessionValue = (e: SyncEngine) => e.snapshot().actors["session"]?.value;
const remoteDocChanges = (e: SyncEngine) => e.snapshot().counters["activity.doc.remote"] ?? 0;
const utf8 = new TextEncoder();
const contains = (hay: Uint8Array, needle: string) => Buffer.from(hay).includes(Buffer.from(utf8.encode(needle)));

describe("verification words between honest devices", () => {
  it("both show the same four words, right after paired: on the engine, in state and as an event", async () => {
    const p = createEnginePair({ seed: "verify-words" });
    const evA = collectEvents(p.a);
    const evB = collectEvents(p.b);
    expect(p.a.verification).toBeNull();
    expect(p.a.snapshot().verification).toBeNull();
    await p.pair();
    const words = p.a.verification!;
    expect(words).toHaveLength(4);
    // word i comes from the list for its position, as in codes (odd list first)
    words.forEach((w, i) => expect((i % 2 === 0 ? ODD_WORDS : EVEN_WORDS).includes(w), w).toBe(true));
    expect(p.b.verification).toEqual(words);
    for (const [e, ev] of [[p.a, evA], [p.b, evB]] as const) {
      expect(e.snapshot().verification).toEqual({ words, strict: false, confirmedHere: false, confirmedByPeer: false });
      expect(e.snapshot().syncing).toBe(true);
      const types = ev.events.map((x) => x.type);
      expect(types[types.indexOf("paired") + 1]).toBe("verification");
      expect(ev.events.find((x) => x.type === "verification")).toEqual({ type: "verification", words });
    }
    // a second pairing (new keys) shows other words
    const q = createEnginePair({ seed: "verify-words-2" });
    await q.pair();
    expect(q.a.verification).not.toEqual(words);
    await Promise.all([p.a.end(), q.a.end()]);
    expect(p.a.verification).toBeNull();
  });

  it("strict: nothing syncs until the words were confirmed on both devices; one is not enough", async () => {
    const p = createEnginePair({ seed: "verify-strict", engineOptions: { verify: true } });
    p.a.doc.getMap("prefs").set("theme", "dark");
    p.b.doc.getMap("prefs").set("lang", "de");
    let synced = false;
    void p.b.whenSynced().then(() => (synced = true));
    await p.pair();
    await p.advance(20_000, 1_000); // pings cross: the channel is up, only data is held
    for (const e of [p.a, p.b]) {
      expect(e.snapshot().status).toBe("connected");
      expect(sessionValue(e)).toEqual({ active: "verifying" });
      expect(e.snapshot().syncing).toBe(false);
      expect(e.snapshot().verification).toMatchObject({ strict: true, confirmedHere: false, confirmedByPeer: false });
      expect(e.snapshot().counters["link.framesIn"]).toBeGreaterThan(0);
      expect(remoteDocChanges(e)).toBe(0);
      expect(e.snapshot().peers).toEqual([]); // presence is document data too
    }
    expect(p.b.doc.getMap("prefs").toJSON()).toEqual({ lang: "de" });
    expect(p.a.doc.getMap("prefs").toJSON()).toEqual({ theme: "dark" });

    // confirmed on the laptop only: the phone learns it, nothing flows yet
    p.a.confirmVerification();
    p.a.confirmVerification(); // idempotent
    await p.advance(10_000, 1_000);
    expect(p.a.snapshot().verification).toMatchObject({ confirmedHere: true, confirmedByPeer: false });
    expect(p.b.snapshot().verification).toMatchObject({ confirmedHere: false, confirmedByPeer: true });
    for (const e of [p.a, p.b]) expect(e.snapshot().syncing).toBe(false);
    expect(p.b.doc.getMap("prefs").has("theme")).toBe(false);
    expect(synced).toBe(false);

    // and on the phone: both sync, both ways
    p.b.confirmVerification();
    await p.b.whenSynced();
    await p.settle();
    for (const e of [p.a, p.b]) {
      expect(sessionValue(e)).toEqual({ active: "syncing" });
      expect(e.snapshot().syncing).toBe(true);
      expect(e.snapshot().verification).toMatchObject({ confirmedHere: true, confirmedByPeer: true });
      expect(e.doc.getMap("prefs").toJSON()).toEqual({ theme: "dark", lang: "de" });
    }
    await p.a.end();
  });

  it("strict: rejecting ends here with verificationRejected and there with peerEnded, both wiped", async () => {
    const p = createEnginePair({ seed: "verify-reject", engineOptions: { verify: true } });
    const keys = [watchKeys(p.a), watchKeys(p.b)] as const;
    const ev = [collectEvents(p.a), collectEvents(p.b)] as const;
    p.a.doc.getMap("prefs").set("theme", "dark");
    await p.pair();
    p.b.confirmVerification(); // the phone's person confirmed; the laptop's sees different words
    await p.settle();
    await p.a.rejectVerification();
    await p.settle();
    expect(await p.b.ended).toBe("peerEnded");
    expectForgotten(p.a, keys[0], ev[0], "verificationRejected");
    expectForgotten(p.b, keys[1], ev[1], "peerEnded");
    expect(p.a.verification).toBeNull();
    await p.a.rejectVerification(); // after the end: resolves, changes nothing
    expect(p.a.snapshot().endReason).toBe("verificationRejected");
  });

  it("an answer given from inside the verification event handler takes effect (the session is active by then)", async () => {
    const p = createEnginePair({ seed: "verify-in-handler", engineOptions: { verify: true } });
    // An app that compares by itself (e.g. both words on one screen in a test rig) answers at once.
    for (const e of [p.a, p.b]) e.events$.subscribe((ev) => void (ev.type === "verification" && e.confirmVerification()));
    p.a.doc.getMap("prefs").set("theme", "dark");
    await p.pair();
    await p.b.whenSynced();
    expect(p.b.doc.getMap("prefs").get("theme")).toBe("dark");
    await p.a.end();
  });

  it("a rejection before any channel opened still reaches the peer at once (a sealed BYE through the mailbox)", async () => {
    const p = createEnginePair({ seed: "verify-reject-early", engineOptions: { verify: true } });
    let channels = 0;
    p.a.events$.subscribe((e) => void (e.type === "connected" && channels++));
    // The person answers the moment the words show, before the devices have a channel.
    p.b.events$.subscribe((e) => void (e.type === "verification" && p.b.rejectVerification()));
    const { code } = await p.a.host();
    await p.b.join(code).catch(() => undefined); // ends before it connects
    await p.settle(); // no clock moves: no timeout can be what ends the laptop
    expect(await p.b.ended).toBe("verificationRejected");
    expect(p.a.snapshot().endReason).toBe("peerEnded");
    expect(channels).toBe(0);
  });

  it("rejecting works without strict mode too (the words were shown and differ)", async () => {
    const p = createEnginePair({ seed: "verify-reject-loose" });
    await p.pair();
    await p.b.rejectVerification();
    await p.settle();
    expect(await p.b.ended).toBe("verificationRejected");
    expect(await p.a.ended).toBe("peerEnded");
  });

  it("strict: a confirmation before pairing means nothing; a verification nobody answers ends by inactivity", async () => {
    const p = createEnginePair({ seed: "verify-idle", engineOptions: { verify: true } });
    p.a.confirmVerification(); // no words exist yet: ignored
    await p.pair();
    expect(p.a.snapshot().verification).toMatchObject({ confirmedHere: false });
    p.b.confirmVerification();
    await p.advance(125_000);
    expect(p.a.snapshot().endReason).toBe("inactivity");
    expect(p.b.snapshot().endReason).toBe("inactivity");
  });
});

/** Pair both devices through Mallory; resolves once she relays between two connected devices. */
async function pairThroughMallory(m: MitmSetup): Promise<string> {
  const { code } = await m.laptop.host();
  await m.mallory.intercept(code); // the person types the laptop's code on the phone
  await m.phone.join(code);
  await m.mallory.relaying;
  await m.settle();
  return code;
}

/** A y-protocols message as the SYNC body a device would accept from its peer. */
function syncBody(write: (e: encoding.Encoder, doc: Y.Doc) => void): Uint8Array {
  const doc = new Y.Doc();
  const e = encoding.createEncoder();
  write(e, doc);
  return encodeBody([{ t: "whole", bytes: encoding.toUint8Array(e) }]);
}
/** An update setting prefs.evil. */
const forgedUpdateBody = () =>
  syncBody((e, doc) => {
    doc.getMap("prefs").set("evil", "mallory was here");
    syncProtocol.writeUpdate(e, Y.encodeStateAsUpdate(doc));
  });
/** "I have nothing, send me everything" (sync step 1 from an empty document). */
const askForEverything = () => syncBody((e, doc) => syncProtocol.writeSyncStep1(e, doc));

describe("verification words against a man in the middle who knows the code", () => {
  it("the devices show different words, each one Mallory's with that device; unverified, she reads the document", async () => {
    const m = createMitmSetup({ seed: "mitm-loose", verify: false });
    await pairThroughMallory(m);
    const [onLaptop, onPhone] = [m.laptop.verification!, m.phone.verification!];
    console.log(`MITM words: laptop "${onLaptop.join(" ")}", phone "${onPhone.join(" ")}"`);
    expect(onLaptop).toHaveLength(4);
    expect(onPhone).not.toEqual(onLaptop);
    expect(m.mallory.words("laptop")).toEqual(onLaptop);
    expect(m.mallory.words("phone")).toEqual(onPhone);
    // Pairing succeeded on both: without a comparison, nothing else tells them apart.
    for (const e of [m.laptop, m.phone]) {
      expect(e.snapshot().status).toBe("connected");
      expect(e.snapshot().syncing).toBe(true);
    }
    m.laptop.doc.getMap("prefs").set("password", "hunter2");
    await m.settle();
    expect(m.phone.doc.getMap("prefs").get("password")).toBe("hunter2");
    expect(m.mallory.frames.some((f) => f.from === "laptop" && f.type === FrameType.SYNC && contains(f.payload, "hunter2"))).toBe(true);
    console.log(`MITM unverified: Mallory read ${dataBytes(m.mallory.frames)} plaintext bytes of document data`);
    await m.laptop.end();
    await m.settle();
    m.mallory.close();
  });

  it("strict on both: not one byte of document data crosses, forged data is refused, rejecting ends both with the wipe", async () => {
    const m = createMitmSetup({ seed: "mitm-strict", verify: true });
    const keys = [watchKeys(m.laptop), watchKeys(m.phone)] as const;
    const ev = [collectEvents(m.laptop), collectEvents(m.phone)] as const;
    m.laptop.doc.getMap("prefs").set("password", "hunter2");
    m.phone.doc.getMap("prefs").set("lang", "de");
    await pairThroughMallory(m);
    await advance(m.clock, m.network, 30_000, 1_000);
    expect(m.laptop.verification).not.toEqual(m.phone.verification);
    expect(m.mallory.words("laptop")).toEqual(m.laptop.verification);
    expect(m.mallory.words("phone")).toEqual(m.phone.verification);

    // The links are live (pings and pongs cross through Mallory) and hold no document data.
    const seen = census(m.mallory.frames);
    console.log(`MITM strict, frames Mallory opened: ${JSON.stringify(seen)}; document bytes: ${dataBytes(m.mallory.frames)}`);
    expect(seen["laptop PING"]).toBeGreaterThan(0);
    expect(seen["phone PING"]).toBeGreaterThan(0);
    expect(dataBytes(m.mallory.frames)).toBe(0);
    expect(m.mallory.frames.filter((f) => f.type === FrameType.SYNC || f.type === FrameType.AWARENESS)).toEqual([]);
    for (const e of [m.laptop, m.phone]) {
      expect(e.snapshot().status).toBe("connected");
      expect(sessionValue(e)).toEqual({ active: "verifying" });
      expect(e.snapshot().syncing).toBe(false);
      expect(remoteDocChanges(e)).toBe(0);
    }

    // Mallory's own document frames are sealed with keys the laptop holds, and still refused.
    m.mallory.inject("laptop", FrameType.SYNC, forgedUpdateBody());
    // She claims the phone confirmed, and the laptop confirmed: each device still waits for its person.
    m.mallory.inject("laptop", FrameType.VERIFIED, new Uint8Array(0));
    m.mallory.inject("phone", FrameType.VERIFIED, new Uint8Array(0));
    await advance(m.clock, m.network, 5_000, 1_000);
    expect(m.laptop.snapshot().counters["error.frame.VerificationPendingError"]).toBe(1);
    expect(m.laptop.doc.getMap("prefs").toJSON()).toEqual({ password: "hunter2" });
    expect(m.phone.doc.getMap("prefs").toJSON()).toEqual({ lang: "de" });
    for (const e of [m.laptop, m.phone]) {
      expect(e.snapshot().verification).toMatchObject({ confirmedHere: false, confirmedByPeer: true });
      expect(sessionValue(e)).toEqual({ active: "verifying" });
    }
    expect(dataBytes(m.mallory.frames)).toBe(0);

    // The people compare, the words differ, both reject.
    await Promise.all([m.laptop.rejectVerification(), m.phone.rejectVerification()]);
    await m.settle();
    expectForgotten(m.laptop, keys[0], ev[0], "verificationRejected");
    expectForgotten(m.phone, keys[1], ev[1], "verificationRejected");
    expect(dataBytes(m.mallory.frames)).toBe(0);
    const data = (events: EngineEvent[]) => events.filter((x) => x.type === "synced");
    expect(data(ev[0].events)).toEqual([]);
    expect(data(ev[1].events)).toEqual([]);
    console.log(`MITM strict, after both rejected: ${m.mallory.frames.length} frames, ${dataBytes(m.mallory.frames)} document bytes`);
    m.mallory.close();
  });

  it("strict protects each device whose person compares: one who confirms blindly leaks, the one who rejects does not", async () => {
    const m = createMitmSetup({ seed: "mitm-blind", verify: true });
    m.laptop.doc.getMap("prefs").set("password", "hunter2");
    m.phone.doc.getMap("prefs").set("pin", "4711");
    await pairThroughMallory(m);
    // The laptop's person confirms without comparing; Mallory answers for the phone at once and
    // asks the laptop for everything it holds.
    m.laptop.confirmVerification();
    m.mallory.inject("laptop", FrameType.VERIFIED, new Uint8Array(0));
    await advance(m.clock, m.network, 1_000, 1_000);
    expect(m.laptop.snapshot().syncing).toBe(true);
    m.mallory.inject("laptop", FrameType.SYNC, askForEverything());
    await m.settle();
    expect(m.mallory.frames.some((f) => f.from === "laptop" && f.type === FrameType.SYNC && contains(f.payload, "hunter2"))).toBe(true);
    // The phone's person compares, sees different words, rejects: the phone sent nothing.
    expect(m.phone.snapshot().syncing).toBe(false);
    await m.phone.rejectVerification();
    expect(dataBytes(m.mallory.frames, "phone")).toBe(0);
    expect(m.mallory.frames.some((f) => contains(f.payload, "4711"))).toBe(false);
    await m.laptop.end();
    m.mallory.close();
  });
});

describe("commit-then-reveal against the search for matching words (docs/threat-model.md)", () => {
  it("the search never gets an input: neither device sends a SPAKE2 message before Mallory fixed hers; pairing times out, nothing synced", async () => {
    const m = createMitmSetup({ seed: "mitm-grind", verify: true, strategy: "grind" });
    m.laptop.doc.getMap("prefs").set("password", "hunter2");
    const { code } = await m.laptop.host();
    await m.mallory.intercept(code);
    const joined = m.phone.join(code).then(
      () => null,
      (e: unknown) => e as Error,
    );
    await m.settle();
    // All Mallory holds is the laptop's 32-byte commitment; the phone waits for hers. The search
    // (test/runtime/sas-grind.ts) needs both devices' SPAKE2 messages and has neither.
    expect(m.mallory.held).toEqual({ laptop: ["commit"], phone: [] });
    expect(m.mallory.search).toBeNull();
    for (const e of [m.laptop, m.phone]) expect(e.verification).toBeNull();
    await advance(m.clock, m.network, 5 * 60_000 + 1_000, 10_000); // pairingTimeoutMs
    expect((await joined)?.name).toBe("SessionEndedError");
    for (const e of [m.laptop, m.phone]) {
      expect(e.snapshot().endReason).toBe("pairingTimeout");
      expect(e.doc.isDestroyed).toBe(true);
    }
    expect(m.mallory.held).toEqual({ laptop: ["commit"], phone: [] });
    expect(m.mallory.frames).toEqual([]);
    m.mallory.close();
  });

  it("her best order (the phone's run first, then the laptop's): the words differ, strict syncs 0 document bytes, rejecting ends both", async () => {
    const m = createMitmSetup({ seed: "mitm-phone-first", verify: true, strategy: "phoneFirst" });
    m.laptop.doc.getMap("prefs").set("password", "hunter2");
    m.phone.doc.getMap("prefs").set("pin", "4711");
    await pairThroughMallory(m);
    // The phone's words were known to Mallory before she sent anything to the laptop, but her
    // message was fixed before the laptop revealed the one its words depend on.
    expect(m.mallory.held.laptop).toEqual(["commit", "pake", "confirm"]);
    expect(m.mallory.words("phone")).toEqual(m.phone.verification);
    expect(m.mallory.words("laptop")).toEqual(m.laptop.verification);
    console.log(`MITM after commit-then-reveal: laptop "${m.laptop.verification!.join(" ")}", phone "${m.phone.verification!.join(" ")}"`);
    expect(m.phone.verification).not.toEqual(m.laptop.verification);
    await advance(m.clock, m.network, 30_000, 1_000);
    for (const e of [m.laptop, m.phone]) {
      expect(sessionValue(e)).toEqual({ active: "verifying" });
      expect(e.snapshot().syncing).toBe(false);
      expect(remoteDocChanges(e)).toBe(0);
    }
    expect(dataBytes(m.mallory.frames)).toBe(0);
    await Promise.all([m.laptop.rejectVerification(), m.phone.rejectVerification()]);
    await m.settle();
    expect(m.laptop.snapshot().endReason).toBe("verificationRejected");
    expect(m.phone.snapshot().endReason).toBe("verificationRejected");
    expect(dataBytes(m.mallory.frames)).toBe(0);
    expect(m.mallory.frames.some((f) => contains(f.payload, "hunter2") || contains(f.payload, "4711"))).toBe(false);
    m.mallory.close();
  });
});
