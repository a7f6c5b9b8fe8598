/**
 * Hostile clients against one relay while a legitimate pair keeps talking: random bytes,
 * wrong types, truncated and oversized frames, floods past every limit, claims of other
 * people's nameplates, posts to random mailboxes. The relay must stay up, answer every bad
 * frame with a known error code (or close the abuser), keep its state bounded, and the
 * legitimate sessions must complete unaffected.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { fc } from "@fast-check/vitest";
import { firstValueFrom, take, toArray } from "rxjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { relaySignaling, type RelaySignaling } from "../../src/adapters/signaling/relay/index.js";
import type { SignalingSession } from "../../src/adapters/signaling/types.js";
import { defaultLimits, maxFrameBytes } from "../../src/relay/options.js";
import { ERROR_CODES } from "../../src/protocol/relay-frames.js";
import { getText, metric, rawClient, startRelay, type Frame } from "./helpers.js";

const LIMITS = { ...defaultLimits, maxConnectionsPerAddress: 64 };
/** Abusers come from their own loopback addresses (all of 127/8 is loopback); the victims from 127.0.0.1. */
let abuserSeq = 0;
const abuserAddress = () => `127.66.${Math.floor(++abuserSeq / 250)}.${(abuserSeq % 250) + 1}`;
let relay: Awaited<ReturnType<typeof startRelay>>;
let victims: { a: RelaySignaling; b: RelaySignaling; host: SignalingSession; join: SignalingSession };
let exchanged = 0;
let heapBaseline = 0;
// A full GC before measuring the heap (the flag can be set at run time; `gc` then exists in a new context).
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const enc = (s: string) => new TextEncoder().encode(s);
const http = () => relay.url.replace("ws:", "http:");

/** The legitimate pair still talks, both ways. */
async function victimsStillTalk(): Promise<void> {
  const n = ++exchanged;
  const toB = firstValueFrom(victims.join.messages$.pipe(take(1)));
  const toA = firstValueFrom(victims.host.messages$.pipe(take(1)));
  await victims.host.send(enc(`ping ${n}`));
  await victims.join.send(enc(`pong ${n}`));
  expect(new TextDecoder().decode(await toB)).toBe(`ping ${n}`);
  expect(new TextDecoder().decode(await toA)).toBe(`pong ${n}`);
}

/** Send frames on a fresh socket; collect replies until the relay answers a final ping or closes. */
async function abuse(frames: { data: string | Uint8Array; binary: boolean }[], localAddress = abuserAddress()): Promise<{ replies: Frame[]; code: number | undefined }> {
  const ws = new WebSocket(relay.url, { localAddress });
  const replies: Frame[] = [];
  let code: number | undefined;
  const done = new Promise<void>((resolve) => {
    ws.on("message", (d) => {
      const f = JSON.parse(String(d)) as Frame;
      replies.push(f);
      if (f.t === "pong" && f["r"] === 2 ** 31 - 1) resolve();
    });
    ws.on("close", (c) => {
      code = c;
      resolve();
    });
  });
  ws.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  for (const f of frames) ws.send(f.data, { binary: f.binary });
  ws.send(JSON.stringify({ t: "ping", r: 2 ** 31 - 1 }));
  await done;
  ws.close();
  return { replies, code };
}

function expectOnlyKnownReplies(replies: Frame[]): void {
  for (const f of replies) {
    expect(["welcome", "error", "bye", "pong", "hosted", "joined", "opened", "ok", "peer", "blob", "closed"]).toContain(f.t);
    if (f.t === "error") expect(ERROR_CODES).toContain(f["code"]);
  }
}

const mailboxId = fc.stringMatching(/^[0-9a-f]{32}$/);
const wrongValue = fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 40 }), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.object({ maxDepth: 1 }));
const frameType = fc.constantFrom("host", "join", "open", "post", "close", "ping", "hosted", "bye", "", "POST");
/** Frames that look like protocol frames but have wrong, missing or extra fields. */
const nearMissFrame = fc
  .record(
    { t: fc.oneof(frameType, wrongValue), r: fc.oneof(fc.nat(), wrongValue), m: fc.oneof(mailboxId, wrongValue), side: fc.oneof(fc.constantFrom("host", "join"), wrongValue), b: fc.oneof(fc.base64String({ maxLength: 64 }), wrongValue), nameplate: fc.oneof(fc.constantFrom("1", "07", "99999999999"), wrongValue) },
    { requiredKeys: [] },
  )
  .map((o) => ({ data: JSON.stringify(o), binary: false }));
const randomFrame = fc.oneof(
  fc.uint8Array({ maxLength: 256 }).map((data) => ({ data, binary: true })),
  fc.uint8Array({ maxLength: 256 }).map((data) => ({ data, binary: false })),
  fc.string({ maxLength: 200 }).map((data) => ({ data, binary: false })),
  fc.json({ maxDepth: 3 }).map((data) => ({ data, binary: false })),
  nearMissFrame,
  nearMissFrame.map((f) => ({ data: (f.data as string).slice(0, Math.max(0, (f.data as string).length - 3)), binary: false })),
);

beforeAll(async () => {
  relay = await startRelay({ limits: LIMITS });
  const a = relaySignaling({ url: relay.url })();
  const b = relaySignaling({ url: relay.url })();
  const host = await a.host();
  const join = await b.join(host.nameplate);
  await Promise.all([host.peerJoined, join.peerJoined]);
  victims = { a, b, host, join };
  gc();
  heapBaseline = process.memoryUsage().heapUsed;
});
afterAll(async () => {
  await victims?.a.close();
  await victims?.b.close();
  await relay?.server.stop();
});

describe("hostile clients", { timeout: 60_000 }, () => {
  it("random bytes, wrong types and truncated frames get known error codes; the relay stays up", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(randomFrame, { minLength: 1, maxLength: 24 }), async (frames) => {
        const { replies, code } = await abuse(frames);
        expectOnlyKnownReplies(replies);
        // Either it answered the final ping, or it spent its error budget and was closed.
        if (code === undefined) expect(replies.at(-1)).toMatchObject({ t: "pong" });
        else expect([1008, 1005, 1000]).toContain(code);
      }),
      { numRuns: 60 },
    );
    expect((await getText(http() + "/healthz")).status).toBe(200);
    await victimsStillTalk();
  });

  it("oversized frames: too_large under the read limit, the socket is cut above it", async () => {
    const limit = maxFrameBytes(LIMITS);
    const over = await abuse([{ data: JSON.stringify({ t: "post", r: 1, m: "a".repeat(32), b: "A".repeat(limit) }), binary: false }]);
    expect(over.replies).toContainEqual(expect.objectContaining({ t: "error", code: "too_large" }));
    const huge = await abuse([{ data: "x".repeat(2 * limit + 1), binary: false }]);
    expect(huge.code).toBe(1009);
    // A blob just over 64 KiB inside a frame that fits.
    const c = await rawClient(relay.url);
    await c.req({ t: "open", m: "c".repeat(32), side: "host" });
    expect(await c.req({ t: "post", m: "c".repeat(32), b: Buffer.alloc(LIMITS.maxBlobBytes + 1).toString("base64url") })).toMatchObject({ code: "too_large" });
    c.close();
    await victimsStillTalk();
  });

  it("a flood past the frame rate is refused and the flooder is cut off after its error budget", async () => {
    const before = metric((await getText(http() + "/metrics")).body, 'lethe_relay_limit_hits_total{limit="messages_per_second"}');
    const flood = Array.from({ length: 400 }, (_, i) => ({ data: JSON.stringify({ t: "ping", r: i }), binary: false }));
    const { replies, code } = await abuse(flood);
    expect(code).toBe(1008);
    expect(replies.filter((f) => f.t === "pong").length).toBeLessThanOrEqual(LIMITS.messagesBurst + 1);
    expect(replies).toContainEqual({ t: "bye", reason: "error_budget" });
    const after = metric((await getText(http() + "/metrics")).body, 'lethe_relay_limit_hits_total{limit="messages_per_second"}');
    expect(after - before).toBeGreaterThan(0);
    await victimsStillTalk();
  });

  it("nameplate farming and claims of others' nameplates are budgeted per address and refused", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 100, max: 999 }), { minLength: 5, maxLength: 30 }), async (guesses) => {
        // First, the victims' own (joined, now cooling) nameplate; then guesses where nobody hosts.
        const frames = [{ data: JSON.stringify({ t: "join", r: 999, nameplate: victims.host.nameplate }), binary: false }];
        frames.push(...guesses.map((n, i) => ({ data: JSON.stringify({ t: "join", r: i, nameplate: String(n) }), binary: false })));
        frames.push(...Array.from({ length: 5 }, (_, i) => ({ data: JSON.stringify({ t: "host", r: 1000 + i }), binary: false })));
        const { replies } = await abuse(frames);
        expectOnlyKnownReplies(replies);
        const missed = replies.filter((f) => f.t === "error" && (f["code"] === "not_found" || f["code"] === "crowded"));
        // An address gets at most `failedJoinsBurst` joins that find nothing; then it is refused.
        expect(missed.length).toBe(Math.min(LIMITS.failedJoinsBurst, guesses.length + 1));
        if (guesses.length + 1 > LIMITS.failedJoinsBurst) expect(replies.some((f) => f["code"] === "join_rate_limited")).toBe(true);
        // The victims' nameplate was joined already: nobody else can get into their mailbox.
        expect(replies.find((f) => f["r"] === 999)).toMatchObject({ t: "error", code: "crowded" });
      }),
      { numRuns: 15 },
    );
    await victimsStillTalk();
  });

  it("posts to random mailbox ids are refused; filling mailboxes is bounded; state returns to baseline", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mailboxId, { minLength: 1, maxLength: 20 }), fc.uint8Array({ maxLength: 64 }), async (ids, blob) => {
        const b = Buffer.from(blob).toString("base64url");
        const frames = ids.map((m, i) => ({ data: JSON.stringify({ t: "post", r: i, m, b }), binary: false }));
        const { replies } = await abuse(frames);
        const errs = replies.filter((f) => f.t === "error");
        expect(errs.length).toBeGreaterThan(0);
        for (const e of errs) expect(["not_open", "rate_limited"]).toContain(e["code"]);
      }),
      { numRuns: 20 },
    );
    // Fill as many mailboxes as one connection may open, as full as they may get.
    const c = await rawClient(relay.url, abuserAddress());
    const blob = Buffer.alloc(1024).toString("base64url");
    let opened = 0;
    for (let i = 0; i < LIMITS.maxMailboxesPerConnection + 2; i++) {
      const m = (0xabc000 + i).toString(16).padStart(32, "0");
      if ((await c.req({ t: "open", m, side: "host" })).t === "opened") opened++;
    }
    expect(opened).toBe(LIMITS.maxMailboxesPerConnection);
    const first = (0xabc000).toString(16).padStart(32, "0");
    const posts = await Promise.all(Array.from({ length: LIMITS.maxHeldPerMailbox + 1 }, () => c.req({ t: "post", m: first, b: blob })));
    expect(posts.filter((f) => f.t === "ok")).toHaveLength(LIMITS.maxHeldPerMailbox);
    expect(posts.at(-1)).toMatchObject({ code: "mailbox_full" });
    const stats = await relay.server.store.stats();
    expect(stats.heldBlobs).toBe(LIMITS.maxHeldPerMailbox);
    c.close();
    await c.closed;
    await victimsStillTalk();
    // Every abuser is gone: only the two victims' connections and mailboxes remain.
    const text = (await getText(http() + "/metrics")).body;
    expect(metric(text, "lethe_relay_connections")).toBe(2);
    expect(metric(text, "lethe_relay_mailboxes_open")).toBe(2);
    expect(relay.server.connectionCount()).toBe(2);
  });

  it("a connection flood past the per-address limit is refused with bye; the victims keep talking", async () => {
    const n = LIMITS.maxConnectionsPerAddress + 6;
    const from = abuserAddress();
    const outcomes = await Promise.all(
      Array.from({ length: n }, async () => {
        const ws = new WebSocket(relay.url, { localAddress: from });
        ws.on("error", () => {});
        const first = await new Promise<string>((resolve) => {
          ws.once("message", (d) => resolve(JSON.parse(String(d)).t as string));
          ws.once("close", () => resolve("closed"));
        });
        return { ws, first };
      }),
    );
    const accepted = outcomes.filter((o) => o.first === "welcome").length;
    // The victims on 127.0.0.1 are another address: their connections do not count here.
    expect(accepted).toBe(LIMITS.maxConnectionsPerAddress);
    expect(outcomes.filter((o) => o.first === "bye").length).toBe(n - accepted);
    await victimsStillTalk();
    await Promise.all(
      outcomes.map(
        (o) =>
          new Promise<void>((resolve) => {
            if (o.ws.readyState === o.ws.CLOSED) return resolve();
            o.ws.once("close", () => resolve());
            o.ws.close();
          }),
      ),
    );
  });

  it("the relay's heap returns near its baseline once the abusers are gone", () => {
    gc();
    const grown = process.memoryUsage().heapUsed - heapBaseline;
    console.log(`relay hostile: heap grew ${(grown / 2 ** 20).toFixed(1)} MiB over the abuse`);
    // Generous: vitest and fast-check allocate in this process too. What matters is that
    // nothing proportional to the abuse (tens of thousands of frames) stayed behind.
    expect(grown).toBeLessThan(32 * 1024 * 1024);
  });

  it("a fresh pair still pairs and talks after all of that", async () => {
    const a = relaySignaling({ url: relay.url })();
    const b = relaySignaling({ url: relay.url })();
    try {
      const host = await a.host();
      const join = await b.join(host.nameplate);
      const got = firstValueFrom(join.messages$.pipe(take(2), toArray()));
      await host.send(enc("x"));
      await host.send(enc("y"));
      expect((await got).map((u) => new TextDecoder().decode(u))).toEqual(["x", "y"]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
