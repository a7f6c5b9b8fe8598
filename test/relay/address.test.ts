/**
 * Client addresses for the per-address budgets: forwarded headers count only from trusted
 * proxies, the chain is walked from the right past trusted hops, and IPv6 is grouped per /64.
 */
import { describe, expect, it } from "vitest";
import { addressGroup, clientAddress, trustedProxies } from "../../src/relay/address.js";

describe("client address", () => {
  const trusted = trustedProxies(["10.0.0.1", "192.168.0.0/16", "::1"]);

  it("ignores forwarded headers from a peer that is not a trusted proxy", () => {
    expect(clientAddress("203.0.113.9", { "x-forwarded-for": "198.51.100.7" }, trusted)).toBe("203.0.113.9");
    expect(clientAddress("203.0.113.9", { forwarded: "for=198.51.100.7" }, trusted)).toBe("203.0.113.9");
    expect(clientAddress("10.0.0.1", { "x-forwarded-for": "198.51.100.7" }, undefined)).toBe("10.0.0.1");
  });

  it("takes the nearest untrusted hop from a trusted proxy, from X-Forwarded-For or Forwarded", () => {
    expect(clientAddress("10.0.0.1", { "x-forwarded-for": "198.51.100.7" }, trusted)).toBe("198.51.100.7");
    // A client-supplied first entry is not believed: the proxy appended the real one last.
    expect(clientAddress("10.0.0.1", { "x-forwarded-for": "1.2.3.4, 198.51.100.7" }, trusted)).toBe("198.51.100.7");
    // Two trusted proxies in a row.
    expect(clientAddress("10.0.0.1", { "x-forwarded-for": "198.51.100.7, 192.168.4.4" }, trusted)).toBe("198.51.100.7");
    expect(clientAddress("::1", { forwarded: 'for=192.0.2.60;proto=https, for="[2001:db8::17]:4711"' }, trusted)).toBe("2001:db8::17");
    expect(clientAddress("::1", { forwarded: "for=192.0.2.60:443", "x-forwarded-for": "198.51.100.1" }, trusted)).toBe("192.0.2.60");
  });

  it("falls back to the proxy itself when the header is missing or not an address", () => {
    expect(clientAddress("10.0.0.1", {}, trusted)).toBe("10.0.0.1");
    expect(clientAddress("10.0.0.1", { forwarded: "for=unknown" }, trusted)).toBe("10.0.0.1");
    expect(clientAddress("10.0.0.1", { "x-forwarded-for": "not-an-ip" }, trusted)).toBe("10.0.0.1");
  });

  it("refuses a trust list that is not addresses or CIDR blocks", () => {
    expect(() => trustedProxies(["example.org"])).toThrow(expect.objectContaining({ name: "TrustProxyError" }));
    expect(() => trustedProxies(["10.0.0.0/33"])).toThrow(expect.objectContaining({ name: "TrustProxyError" }));
  });

  it("groups IPv6 per /64 and IPv4-mapped addresses as IPv4", () => {
    expect(addressGroup("2001:db8:1:2:aaaa::1")).toBe(addressGroup("2001:db8:1:2:bbbb:cccc:dddd:eeee"));
    expect(addressGroup("2001:db8:1:2::1")).not.toBe(addressGroup("2001:db8:1:3::1"));
    expect(addressGroup("2001:0db8:0001:0002::1")).toBe("2001:db8:1:2::/64");
    expect(addressGroup("::1")).toBe("0:0:0:0::/64");
    expect(addressGroup("::ffff:198.51.100.7")).toBe("198.51.100.7");
    expect(addressGroup("198.51.100.7")).toBe("198.51.100.7");
  });
});
