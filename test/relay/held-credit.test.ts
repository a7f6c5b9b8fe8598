/**
 * An address's held-bytes budget counts what it has waiting, not all it posted within a TTL:
 * when the recipient reads a held blob through this relay, the poster's reservation comes back.
 * So a host whose blobs were read can hold again at once, and the addresses of a finished
 * pairing are forgotten seconds after it (their rate buckets refilled) rather than a TTL later.
 * Blobs nobody reads keep their budget spent until they expire. Simulated clock.
 */
import { setImmediate as turn } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { SimulatedClock } from "xstate";
import { HELD_OVERHEAD_BYTES } from "../../src/relay/budgets.js";
import { defaultLimits } from "../../src/relay/options.js";
import { getText, metric, suiteRelay, type RawClient } from "./helpers.js";

const BLOB_BYTES = 1024;
const BLOB = Buffer.alloc(BLOB_BYTES, 3).toString("base64url");
const PER_ADDRESS = 3 * (BLOB_BYTES + HELD_OVERHEAD_BYTES);
const clock = new SimulatedClock();
const suite = suiteRelay();
afterAll(() => suite.end());

const mailbox = (n: number) => n.toString(16).padStart(32, "0");
const post = (c: RawClient, m: string) => c.req({ t: "post", m, b: BLOB }).then((f) => (f.t === "ok" ? "ok" : String(f["code"])));
const client = suite.client;
/** Until the relay has seen `n` connections close (its 'close' may come a turn after the client's). */
async function connectionsDownTo(server: { connectionCount(): number }, n: number): Promise<void> {
  for (let i = 0; i < 1000 && server.connectionCount() > n; i++) await turn();
  expect(server.connectionCount()).toBe(n);
}
async function advance(ms: number): Promise<void> {
  clock.increment(ms);
  for (let i = 0; i < 5; i++) await turn();
}

describe("held bytes come back when the blob is read", { timeout: 30_000 }, () => {
  it("a host whose held blobs were read may hold as much again; unread ones keep the budget spent", async () => {
    const r = await suite.relay({ clock, limits: { ...defaultLimits, maxHeldBytesPerAddress: PER_ADDRESS } });
    const addresses = async () => metric((await getText(r.url.replace("ws:", "http:") + "/metrics")).body, "lethe_relay_addresses");

    const host = await client(r.url, "127.95.0.1");
    const m = mailbox(0xc0ffee);
    await host.req({ t: "open", m, side: "host" });
    expect(await Promise.all([1, 2, 3, 4].map(() => post(host, m)))).toEqual(["ok", "ok", "ok", "held_bytes_limited"]);

    // The joiner reads the three held blobs and goes: the host's budget is whole again.
    const reader = await client(r.url, "127.95.0.2");
    await reader.req({ t: "open", m, side: "join" });
    for (let i = 0; i < 3; i++) await reader.next((f) => f.t === "blob");
    reader.close();
    await reader.closed;
    await connectionsDownTo(r.server, 1);
    expect(await Promise.all([1, 2, 3, 4].map(() => post(host, m)))).toEqual(["ok", "ok", "ok", "held_bytes_limited"]);

    // These three nobody reads: the host's address is remembered after it leaves, until they expire.
    host.close();
    await host.closed;
    await connectionsDownTo(r.server, 0);
    await advance(6_000);
    expect(await addresses()).toBe(1);
    await advance(61_000);
    expect(await addresses()).toBe(0);

    // A pairing whose held blob is read: both addresses are forgotten at the next sweep.
    const h = await client(r.url, "127.95.0.3");
    const j = await client(r.url, "127.95.0.4");
    const hosted = await h.req({ t: "host" });
    expect(await post(h, String(hosted["m"]))).toBe("ok");
    await j.req({ t: "join", nameplate: hosted["nameplate"] });
    await j.next((f) => f.t === "blob");
    h.close();
    j.close();
    await Promise.all([h.closed, j.closed]);
    await connectionsDownTo(r.server, 0);
    await advance(6_000);
    expect(await addresses()).toBe(0);
  });
});
