/**
 * The candidate policy both WebRTC transports share (src/adapters/transport/webrtc/candidates.ts,
 * no node:net there) against Node's own IP parser and a reference policy built on `net.isIP`
 * (what the werift adapter used before the two were merged): same IP-literal verdicts, same
 * candidate verdicts; `.local` (Chromium's mDNS-hidden host names) and hostnames never pass.
 */
import { isIP } from "node:net";
import { describe, expect, it } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { candidateAllowed, filterSdpCandidates, ipFamily } from "../../../../src/adapters/transport/webrtc/candidates.js";

/** Reference policy on node:net's isIP, written independently of the module under test. */
function weriftAllowed(candidate: string, policy: { loopbackOnly: boolean }): boolean {
  const [, component, transport, priority, address, port, typ, type] = candidate.trim().split(/\s+/);
  if (component !== "1" || transport?.toLowerCase() !== "udp" || !/^\d{1,10}$/.test(priority ?? "")) return false;
  if (!/^\d{1,5}$/.test(port ?? "") || Number(port) < 1 || Number(port) > 65535) return false;
  if (typ !== "typ" || !["host", "srflx", "prflx", "relay"].includes(type ?? "")) return false;
  if (address === undefined || address.includes(".local")) return false;
  const fam = isIP(address);
  if (fam === 0) return false;
  if (!policy.loopbackOnly) return true;
  return fam === 4 ? address.startsWith("127.") : address === "::1" || address === "0:0:0:0:0:0:0:1";
}

const hexish = fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEF:.g"), maxLength: 45 });
const host = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), hexish, fc.domain(), fc.uuid().map((u) => `${u}.local`), fc.constantFrom("127.0.0.1", "::1", "0:0:0:0:0:0:0:1", "::", "1::", "::ffff:127.0.0.1"));
const candidate = fc
  .record({
    component: fc.constantFrom("1", "2"),
    transport: fc.constantFrom("udp", "UDP", "tcp"),
    priority: fc.oneof(fc.nat().map(String), fc.constant("x")),
    host,
    port: fc.oneof(fc.integer({ min: 0, max: 70000 }).map(String), fc.constant("p")),
    typ: fc.constantFrom("typ", "type"),
    type: fc.constantFrom("host", "srflx", "prflx", "relay", "other"),
  })
  .map((c) => `candidate:1 ${c.component} ${c.transport} ${c.priority} ${c.host} ${c.port} ${c.typ} ${c.type} generation 0`);

describe("browser candidate policy", () => {
  test.prop([host], { numRuns: 2000 })("ipFamily agrees with node:net isIP", (h) => {
    expect(ipFamily(h)).toBe(isIP(h));
  });

  it("ipFamily agrees with isIP on edge cases (zone ids are refused: stricter than isIP, on purpose)", () => {
    const cases = [":1::", ":::", "1:::2", "::", "::1", "1::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9",
      "::ffff:1.2.3.4", "1.2.3.4::", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3.4", "1::2::3", ":1:2:3:4:5:6:7",
      "1:2:3:4:5:6:7:", "01.2.3.4", "1.2.3.04", "::1.2.3", "12345::", "a:b:c:d:e:f:1.2.3.4", "256.1.1.1"];
    for (const c of cases) expect(ipFamily(c), c).toBe(isIP(c));
    expect(isIP("fe80::1%eth0")).toBe(6);
    expect(ipFamily("fe80::1%eth0")).toBe(0);
  });

  test.prop([candidate, fc.boolean()], { numRuns: 1000 })("agrees with the werift adapter's policy", (c, loopbackOnly) => {
    expect(candidateAllowed(c, { loopbackOnly })).toBe(weriftAllowed(c, { loopbackOnly }));
  });

  it("strips Chromium's .local and TCP candidates and keeps IP-literal UDP ones", () => {
    const sdp = [
      "v=0",
      "a=candidate:1 1 udp 2113937151 1f8c5b0e-3a52-4f0e-8e0b-6a1d2f3c4b5a.local 54321 typ host generation 0",
      "a=candidate:2 1 udp 2113937151 10.98.0.1 40000 typ host generation 0 network-cost 999",
      "a=candidate:3 1 tcp 1518280447 10.98.0.1 9 typ host tcptype active generation 0",
      "a=candidate:4 1 udp 1677729535 203.0.113.7 40001 typ srflx raddr 0.0.0.0 rport 0 generation 0",
      "a=end-of-candidates",
    ].join("\r\n");
    const f = filterSdpCandidates(sdp, { loopbackOnly: false });
    expect(f.kept).toBe(2);
    expect(f.stripped).toBe(2);
    expect(f.sdp).not.toContain(".local");
    expect(f.sdp).toContain("a=end-of-candidates");
    expect(filterSdpCandidates(sdp, { loopbackOnly: true }).kept).toBe(0);
  });
});
