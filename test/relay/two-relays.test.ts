/**
 * Two relay processes (`lethe relay --redis …`) sharing one Redis serve one population: a
 * device on relay 1 and a device on relay 2 pair through a nameplate and exchange blobs, then
 * re-signal through a private mailbox, including a blob held while the peer was away.
 */
import { firstValueFrom, take, toArray } from "rxjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { relaySignaling, type RelaySignaling } from "../../src/adapters/signaling/relay/index.js";
import { REDIS_URL, redisPrefix } from "./helpers.js";
import { spawnRelay, type RelayProcess } from "./process.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const p = redisPrefix();
let relays: RelayProcess[] = [];
const clients: RelaySignaling[] = [];

beforeAll(async () => {
  const args = ["--port", "0", "--redis", REDIS_URL, "--redis-prefix", p.prefix];
  relays = await Promise.all([spawnRelay(args), spawnRelay(args)]);
}, 60_000);
afterAll(async () => {
  for (const c of clients) await c.close();
  const codes = await Promise.all(relays.map((r) => r.stop()));
  expect(codes).toEqual([0, 0]);
  await p.cleanup();
}, 30_000);

function client(url: string) {
  const c = relaySignaling({ url })();
  clients.push(c);
  return c;
}

describe("two relays on one Redis", { timeout: 20_000 }, () => {
  it("a host on relay 1 and a joiner on relay 2 pair and exchange blobs both ways", async () => {
    expect(relays[0]!.url).not.toBe(relays[1]!.url);
    const a = client(relays[0]!.url);
    const b = client(relays[1]!.url);
    const host = await a.host();
    const join = await b.join(host.nameplate);
    await Promise.all([host.peerJoined, join.peerJoined]);
    const toB = firstValueFrom(join.messages$.pipe(take(3), toArray()));
    const toA = firstValueFrom(host.messages$.pipe(take(1), toArray()));
    for (const s of ["offer", "cand-1", "cand-2"]) await host.send(enc(s));
    await join.send(enc("answer"));
    expect((await toB).map(dec)).toEqual(["offer", "cand-1", "cand-2"]);
    expect((await toA).map(dec)).toEqual(["answer"]);
    // The nameplate is spent on both relays.
    const c = client(relays[0]!.url);
    await expect(c.join(host.nameplate)).rejects.toMatchObject({ name: "NameplateCrowdedError" });
  });

  it("re-signals through a private mailbox across relays, with a blob held while the peer was away", async () => {
    const id = "c0ffee".padEnd(32, "9");
    const a = client(relays[1]!.url);
    const ma = await a.mailbox(id, "host");
    await ma.send(enc("held across relays"));
    const b = client(relays[0]!.url);
    const mb = await b.mailbox(id, "join");
    expect(dec((await firstValueFrom(mb.messages$.pipe(take(1))))!)).toBe("held across relays");
    await Promise.all([ma.peerJoined, mb.peerJoined]);
    const back = firstValueFrom(ma.messages$.pipe(take(1)));
    await mb.send(enc("live across relays"));
    expect(dec(await back)).toBe("live across relays");
  });

  it("logs JSON lines with metadata only, and prints the listening line", async () => {
    // One line per connection, written when it closes and flushed (batched) at the latest on a
    // graceful stop: close the clients, stop the relays, then read what they wrote.
    for (const c of clients.splice(0)) await c.close();
    for (const r of relays) expect(await r.stop()).toBe(0);
    for (const r of relays) {
      expect(r.stdout()).toMatch(/^listening on ws:\/\/127\.0\.0\.1:\d+\n$/);
      const lines = r.stderr().trim().split("\n").filter(Boolean);
      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines) expect(JSON.parse(l)).toHaveProperty("ev");
    }
  });
});
