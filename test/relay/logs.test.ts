/**
 * The relay's logs never hold a posted payload, raw or base64url, on any path: a store that
 * throws (with the payload in its error message, as a database error echoing its arguments
 * would), and every refused frame — bad base64url, oversized, rate-limited — as well as the
 * accepted ones. Checked on the log sink and, for the default logger, on the relay process's
 * stderr. A canary line proves the capture would have seen the payload.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { lineGatherer } from "../../src/relay/log.js";
import { memoryStore } from "../../src/relay/store/memory.js";
import type { RelayStore } from "../../src/relay/store/types.js";
import { captureLogs, rawClient, startRelay } from "./helpers.js";
import { spawnRelay } from "./process.js";

const MARK = `PAYLOAD-${randomBytes(6).toString("hex")}`;
const raw = Buffer.from(`${MARK} ${"x".repeat(40)}`);
const b64 = raw.toString("base64url");
/** Every form the payload could take in a log line. */
const forms = [MARK, b64, b64.slice(0, 24), raw.toString("base64"), raw.toString("hex")];
const mailbox = "c".repeat(32);

/** Sends the payload down every path: accepted, bad base64url, oversized, rate-limited. */
async function everyPath(url: string): Promise<void> {
  const c = await rawClient(url);
  await c.req({ t: "open", m: mailbox, side: "host" });
  await c.req({ t: "post", m: mailbox, b: b64 }); // accepted (held) or store failure
  expect(await c.req({ t: "post", m: mailbox, b: `${b64}*!` })).toMatchObject({ code: "bad_frame" });
  // A blob over maxBlobBytes inside a readable frame, then a frame over the read limit.
  expect(await c.req({ t: "post", m: mailbox, b: b64.repeat(Math.ceil(87_450 / b64.length)) })).toMatchObject({ code: "too_large" });
  c.sendRaw(JSON.stringify({ t: "post", r: 7, m: mailbox, b: b64.repeat(1200) }));
  expect(await c.next((f) => f["code"] === "too_large" && f["r"] === null)).toMatchObject({ t: "error" });
  c.sendRaw(`{"t":"post","r":1,"m":"${mailbox}","b":"${b64}"`); // truncated JSON around the payload
  expect(await c.next((f) => f["r"] === null)).toMatchObject({ code: "bad_frame" });
  const flood = await Promise.allSettled(Array.from({ length: 60 }, () => c.req({ t: "post", m: mailbox, b: b64 })));
  expect(flood.some((f) => f.status === "fulfilled" && f.value["code"] === "rate_limited")).toBe(true);
  c.close();
  await c.closed;
}

function expectClean(text: string): void {
  for (const form of forms) expect(text).not.toContain(form);
}

describe("relay logs hold no payload", { timeout: 30_000 }, () => {
  it("on every path of the log sink, including a store that throws with the payload in its message", async () => {
    const logs = captureLogs();
    const inner = memoryStore();
    const throwing: RelayStore = {
      ...inner,
      post: async () => {
        throw new Error(`store failed on ${MARK} ${b64}`);
      },
    };
    const r = await startRelay({ store: throwing, log: logs.log, limits: { messagesBurst: 30, errorBudget: 1000 } });
    try {
      await everyPath(r.url);
      const text = logs.events.map((e) => JSON.stringify(e)).join("\n");
      expect(logs.events.map((e) => e.ev)).toEqual(expect.arrayContaining(["store.error", "bad_frame", "limit", "conn.close"]));
      expectClean(text);
      expect(`${text}\n${MARK}`).toContain(MARK); // the check can fail
    } finally {
      await r.server.stop();
      await inner.close();
    }
  });

  it("on the default logger's stderr (pino), for every refused frame", async () => {
    const relay = await spawnRelay(["--port", "0", "--limits", '{"messagesBurst":30,"errorBudget":1000}']);
    await everyPath(relay.url);
    expect(await relay.stop()).toBe(0);
    const lines = relay.stderr().trim().split("\n");
    const events = lines.map((l) => (JSON.parse(l) as { ev: string }).ev);
    expect(events).toEqual(expect.arrayContaining(["listening", "bad_frame", "limit", "conn.close", "shutdown"]));
    expectClean(relay.stderr());
  });
});

describe("the default logger's line gatherer", () => {
  it("hands lines over whole and in order: before a line would overflow, a line too long alone by itself, on hand-over, and after the delay", () => {
    vi.useFakeTimers();
    try {
      const out: string[] = [];
      const g = lineGatherer((lines) => out.push(lines), 40, 250);
      const [a, e, b, z] = ["a".repeat(9) + "\n", "é".repeat(4) + "\n", "b".repeat(7) + "\n", "z".repeat(20) + "\n"];
      g.write(a); // 10 chars: at most 30 bytes
      g.write(e); // 10 bytes pending + at most 15
      expect(out).toEqual([]);
      g.write(b); // 19 bytes pending + at most 24 > 40: what is pending goes first
      expect(out).toEqual([a + e]);
      g.write(z); // over the bound even alone: the pending line, then it by itself
      expect(out).toEqual([a + e, b, z]);
      g.write("c\n");
      g.write("d\n");
      vi.advanceTimersByTime(249);
      expect(out).toHaveLength(3);
      vi.advanceTimersByTime(1);
      expect(out[3]).toBe("c\nd\n");
      g.write("f\n");
      g.handOver();
      g.handOver(); // nothing pending: nothing handed over
      expect(out.slice(4)).toEqual(["f\n"]);
      vi.advanceTimersByTime(1_000); // the hand-over cancelled its timer
      expect(out).toHaveLength(5);
    } finally {
      vi.useRealTimers();
    }
  });
});
