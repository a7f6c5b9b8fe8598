/**
 * Short-lived TURN credentials minted by the relay (TURN REST API, as coturn's use-auth-secret
 * checks them): username `<expiry>:<random id>`, credential base64(HMAC-SHA1(secret, username)).
 * Only for a client holding a nameplate or mailbox on its connection; rate-limited like every
 * frame; never logged. The client side is `turnCredentials()` on the relay signaling adapter,
 * tested against the real relay; the CLI reads the secret from a file.
 */
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SimulatedClock } from "xstate";
import { relaySignaling } from "../../src/adapters/signaling/relay/index.js";
import { runRelayCli } from "../../src/relay/cli.js";
import { captureLogs, rawClient, startRelay } from "./helpers.js";
import { spawnRelay } from "./process.js";

const SECRET = "a-shared-secret-of-some-length-0123456789";
const URLS = ["turn:198.51.100.10:3478?transport=udp", "turn:198.51.100.10:3478?transport=tcp"];
const stops: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const s of stops) await s();
});

const hmac = (username: string) => createHmac("sha1", SECRET).update(username).digest("base64");

describe("TURN credentials from the relay", { timeout: 30_000 }, () => {
  it("mints TURN REST credentials for a client with an open mailbox; refuses others; logs none", async () => {
    const clock = new SimulatedClock();
    clock.set(1_800_000_000_000);
    const logs = captureLogs();
    const r = await startRelay({ clock, log: logs.log, turn: { urls: URLS, secret: Buffer.from(SECRET), ttlSeconds: 3600 }, limits: { messagesBurst: 8 } });
    stops.push(() => r.server.stop());
    const c = await rawClient(r.url);
    expect(await c.req({ t: "turn" })).toMatchObject({ t: "error", code: "not_open" });
    await c.req({ t: "host" });
    const got = await c.req({ t: "turn" });
    expect(got).toMatchObject({ t: "turn", urls: URLS, ttl: 3600 });
    const [expiry, id] = String(got["username"]).split(":");
    expect(Number(expiry)).toBe(1_800_000_000 + 3600);
    expect(id).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(got["credential"]).toBe(hmac(String(got["username"])));
    // Each request gets its own username; the frame budget applies (burst 8: 3 spent so far).
    const more = await Promise.all(Array.from({ length: 6 }, () => c.req({ t: "turn" })));
    expect(new Set(more.filter((f) => f.t === "turn").map((f) => f["username"])).size).toBe(5);
    expect(more.at(-1)).toMatchObject({ code: "rate_limited" });
    c.close();
    await c.closed;
    const text = JSON.stringify(logs.events);
    expect(text).not.toContain(String(got["credential"]));
    expect(text).not.toContain(String(got["username"]));
  });

  it("says no_turn when the relay has no TURN server", async () => {
    const r = await startRelay();
    stops.push(() => r.server.stop());
    const c = await rawClient(r.url);
    await c.req({ t: "host" });
    expect(await c.req({ t: "turn" })).toMatchObject({ t: "error", code: "no_turn" });
    c.close();
  });

  it("turnCredentials() on the relay signaling adapter, against the real relay", async () => {
    const r = await startRelay({ turn: { urls: URLS, secret: Buffer.from(SECRET) } });
    stops.push(() => r.server.stop());
    const plain = await startRelay();
    stops.push(() => plain.server.stop());
    const a = relaySignaling({ url: r.url })();
    const b = relaySignaling({ url: plain.url })();
    try {
      await expect(a.turnCredentials()).rejects.toMatchObject({ name: "SignalingClosedError" });
      await a.host();
      const creds = await a.turnCredentials();
      expect(creds.urls).toEqual(URLS);
      expect(creds.ttlSeconds).toBe(4 * 3600);
      expect(creds.credential).toBe(hmac(creds.username));
      expect(Number(creds.username.split(":")[0])).toBeGreaterThan(Date.now() / 1000 + 4 * 3600 - 60);
      await b.host();
      await expect(b.turnCredentials()).rejects.toMatchObject({ name: "TurnUnavailableError" });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("lethe relay --turn-url … --turn-secret-file F", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "lethe-turn-"));
    try {
      const file = path.join(dir, "secret");
      writeFileSync(file, `${SECRET}\n`, { mode: 0o600 });
      const relay = await spawnRelay(["--port", "0", "--quiet", "--turn-url", URLS[0]!, "--turn-url", URLS[1]!, "--turn-secret-file", file, "--turn-ttl", "600"]);
      stops.push(() => relay.stop());
      const c = await rawClient(relay.url);
      await c.req({ t: "host" });
      const got = await c.req({ t: "turn" });
      expect(got).toMatchObject({ t: "turn", urls: URLS, ttl: 600 });
      expect(got["credential"]).toBe(hmac(String(got["username"])));
      c.close();
      for (const args of [["--turn-url", URLS[0]!], ["--turn-secret-file", file], ["--turn-url", "http://x", "--turn-secret-file", file], ["--turn-url", URLS[0]!, "--turn-secret-file", path.join(dir, "missing")]]) {
        await expect(runRelayCli(["--port", "0", ...args]), args.join(" ")).rejects.toMatchObject({ name: "RelayCliError" });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
