/**
 * mDNS discovery, inside a private namespace (run by test/adapters/discovery/mdns/discovery.test.ts): the
 * Discovery compliance suite over real multicast on `lo`, plus hostile records planted by a
 * stranger's raw bonjour-service publisher, and withdrawal seen by a browser as `down`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Bonjour, type Service } from "bonjour-service";
import { discoveryCompliance } from "../../../../../src/testing/compliance/discovery.js";
import { mdnsDiscovery } from "../../../../../src/adapters/discovery/mdns/index.js";
import { assertPrivateNetns } from "./guard.js";
import { WatchedClock } from "../../../../helpers/watched-clock.js";

assertPrivateNetns();
const IFACE = "127.0.0.1";
const mdnsOpts = { interface: IFACE, bind: "0.0.0.0" };

/** A stranger on the LAN publishing whatever it likes under our service type. */
function stranger() {
  const b = new Bonjour(mdnsOpts as never);
  let n = 0;
  const publish = (txt: Record<string, string>, port: number) =>
    new Promise<Service>((resolve) => {
      const s = b.publish({ name: `stranger-${process.pid}-${++n}`, type: "lethe", protocol: "tcp", port, txt, disableIPv6: true });
      s.on("up", () => resolve(s));
    });
  return { publish, close: () => new Promise<void>((r) => b.unpublishAll(() => b.destroy(() => r()))) };
}

discoveryCompliance("mdns (private netns, lo)", {
  setup: async () => {
    const s = stranger();
    return {
      a: mdnsDiscovery({ interface: IFACE })(),
      b: mdnsDiscovery({ interface: IFACE })(),
      timeoutMs: 1500,
      stranger: s,
      inject: async (raw: unknown) => {
        const r = (raw ?? {}) as Record<string, unknown>;
        const txt: Record<string, string> = {};
        if (typeof raw === "string") txt.junk = raw;
        if (r.version !== undefined) txt.v = String(r.version);
        if (r.nameplate !== undefined) txt.np = String(r.nameplate);
        if (r.port !== undefined) txt.port = String(r.port);
        // A DNS TXT string holds at most 255 bytes; a long value becomes many strings (a huge TXT).
        if (typeof r.address === "string") {
          for (let i = 0; i * 200 < Math.min(r.address.length, 1600); i++) txt[`a${i}`] = r.address.slice(i * 200, i * 200 + 200);
        }
        await s.publish(txt, typeof r.port === "number" ? r.port : 9);
      },
    };
  },
  teardown: async (ctx) => {
    await ctx.a.close();
    await ctx.b.close();
    await ctx.stranger.close();
  },
});

describe("mdns hostile records and withdrawal", () => {
  let s: ReturnType<typeof stranger>;
  beforeAll(() => {
    s = stranger();
  });
  afterAll(async () => {
    await s.close();
  });

  it("wrong version, huge TXT, port mismatch and a duplicate endpoint are ignored and counted", async () => {
    const host = mdnsDiscovery({ interface: IFACE })();
    const joiner = mdnsDiscovery({ interface: IFACE })();
    try {
      await s.publish({ v: "2", np: "77", port: "5001" }, 5001);
      const huge: Record<string, string> = { v: "1", np: "77", port: "5002" };
      for (let i = 0; i < 6; i++) huge[`pad${i}`] = "x".repeat(200); // ~1.2 KB of TXT
      await s.publish(huge, 5002);
      await s.publish({ v: "1", np: "77", port: "5003" }, 6003);
      const ad = await host.advertise({ nameplate: "77", address: IFACE, port: 5004 });
      const found = await joiner.find("77", { timeoutMs: 8000 });
      // The stranger's duplicate for the same nameplate arrives after the real one was accepted
      // or before it: either way only one endpoint is returned and the other is not silently used.
      expect(found).toMatchObject({ nameplate: "77", port: 5004, address: "127.0.0.1", version: 1 });
      const r = joiner.rejected;
      expect(r.version).toBeGreaterThanOrEqual(1);
      expect(r.oversized).toBeGreaterThanOrEqual(1);
      expect(r.mismatch).toBeGreaterThanOrEqual(1);
      await ad.withdraw();
    } finally {
      await host.close();
      await joiner.close();
    }
  });

  it("two endpoints claiming one nameplate: one is returned, the other counted as duplicate", async () => {
    const joiner = mdnsDiscovery({ interface: IFACE })();
    try {
      await s.publish({ v: "1", np: "78", port: "5101" }, 5101);
      await s.publish({ v: "1", np: "78", port: "5102" }, 5102);
      // One stranger answers the query with both records in one packet: the first is returned,
      // the second endpoint for the same nameplate is refused and counted, never silently used.
      const found = await joiner.find("78", { timeoutMs: 8000 });
      expect([5101, 5102]).toContain(found.port);
      expect(joiner.rejected.duplicate).toBe(1);
    } finally {
      await joiner.close();
    }
  });

  it("withdraw sends a goodbye: a browser sees the service go down", async () => {
    const host = mdnsDiscovery({ interface: IFACE })();
    const watcher = new Bonjour(mdnsOpts as never);
    try {
      const ad = await host.advertise({ nameplate: "79", address: IFACE, port: 5201 });
      const browser = watcher.find({ type: "lethe", protocol: "tcp" });
      const up = await new Promise<Service>((resolve) =>
        browser.on("up", (svc: Service) => {
          if ((svc.txt as Record<string, string> | undefined)?.np === "79") resolve(svc);
        }),
      );
      expect(up.txt).toEqual({ v: "1", np: "79", port: "5201" }); // nothing but the public three
      const down = new Promise<Service>((resolve) => browser.on("down", resolve));
      await ad.withdraw();
      expect((await down).fqdn).toBe(up.fqdn);
    } finally {
      await host.close();
      await new Promise<void>((r) => watcher.destroy(() => r()));
    }
  });
});

describe("mdns find() timeout on the components' clock", () => {
  it("rejects with DiscoveryTimeoutError after timeoutMs of the injected clock, not before; the tag comes from components.random", async () => {
    const clock = new WatchedClock();
    const random = (n: number) => new Uint8Array(n).fill(0xab);
    const d = mdnsDiscovery({ interface: IFACE, timeoutMs: 10_000 })({ clock, random });
    const watcher = new Bonjour(mdnsOpts as never);
    try {
      const armed = clock.nextArmed(10_000);
      let outcome: unknown;
      const finding = d.find("nobody-here").then(
        () => (outcome = "found"),
        (e: unknown) => (outcome = e),
      );
      await armed; // browsing started; the timeout is armed on the test's clock
      clock.advance(9_999);
      await Promise.resolve();
      expect(outcome).toBeUndefined();
      clock.advance(1);
      await finding;
      expect(outcome).toMatchObject({ name: "DiscoveryTimeoutError" });
      expect(clock.pending).toBe(0);

      // The advertised instance name carries the components' random tag, not the host's name.
      const browser = watcher.find({ type: "lethe", protocol: "tcp" });
      const up = new Promise<Service>((resolve) =>
        browser.on("up", (svc: Service) => {
          if ((svc.txt as Record<string, string> | undefined)?.np === "81") resolve(svc);
        }),
      );
      const ad = await d.advertise({ nameplate: "81", address: IFACE, port: 5301 });
      expect((await up).name).toBe("lethe-81-abababab");
      await ad.withdraw();
    } finally {
      await d.close();
      await new Promise<void>((r) => watcher.destroy(() => r()));
    }
  });
});
