/**
 * A private namespace shaped for Chromium, built on test/helpers/netns.ts (createNetns).
 *
 * Chromium never gathers loopback ICE candidates (even with --allow-loopback-in-peer-connection
 * it found none here): it uses the address of the default route's interface. So, inside the
 * namespace only, we add a veth pair (`lbx0` <-> `lbx1`, both ends in the namespace, IPv6 off),
 * give `lbx0` 10.98.0.1/24 and route the default via 10.98.0.2 with a permanent neighbour entry.
 * Traffic between peers at 10.98.0.1 is local delivery: the kernel carries it over `lo`. Any
 * packet for anywhere else (a DNS query, STUN, a stray fetch) is really transmitted on `lbx0`
 * (no ARP needed) and shows in its TX counters, which the suite asserts are zero: that is the
 * count of what left loopback. Nothing can leave the namespace either way (the veth ends in it).
 *
 * This is a wrapper because the shared helper only builds lo-only and two-namespace LANs.
 */
import { createNetns, type Netns } from "../../../../helpers/netns.js";

export const BROWSER_NETNS_IFACES = ["lbx0", "lbx1"];
export const BROWSER_NETNS_ADDRESS = "10.98.0.1";

export interface IfaceCounters {
  readonly rxPackets: number;
  readonly txPackets: number;
  readonly txBytes: number;
}

export interface BrowserNetns extends Netns {
  /** Per-interface counters from /proc/net/dev, read inside the namespace. */
  counters(): Promise<Record<string, IfaceCounters>>;
  destroy(): Promise<void>;
}

export async function createBrowserNetns(): Promise<BrowserNetns> {
  const ns = await createNetns();
  const sh = async (...argv: string[]) => {
    const r = await ns.exec(argv);
    if (r.code !== 0) throw new Error(`${argv.join(" ")} failed in ${ns.name}: ${r.stderr}`);
    return r.stdout;
  };
  try {
    await sh("ip", "link", "add", "lbx0", "type", "veth", "peer", "name", "lbx1");
    await sh("sysctl", "-qw", "net.ipv6.conf.lbx0.disable_ipv6=1", "net.ipv6.conf.lbx1.disable_ipv6=1");
    await sh("ip", "addr", "add", `${BROWSER_NETNS_ADDRESS}/24`, "dev", "lbx0");
    await sh("ip", "link", "set", "lbx0", "up");
    await sh("ip", "link", "set", "lbx1", "up");
    await sh("ip", "route", "add", "default", "via", "10.98.0.2", "dev", "lbx0");
    const link = await sh("ip", "-o", "link", "show", "lbx1");
    const mac = /link\/ether ([0-9a-f:]{17})/.exec(link)?.[1];
    if (mac === undefined) throw new Error(`no MAC for lbx1: ${link}`);
    await sh("ip", "neigh", "add", "10.98.0.2", "lladdr", mac, "dev", "lbx0", "nud", "permanent");
  } catch (e) {
    await ns.destroy();
    throw e;
  }
  return {
    ...ns,
    address: BROWSER_NETNS_ADDRESS,
    iface: "lbx0",
    counters: async () => {
      const out: Record<string, IfaceCounters> = {};
      for (const line of (await sh("cat", "/proc/net/dev")).split("\n").slice(2)) {
        const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
        if (!m) continue;
        const f = m[2]!.trim().split(/\s+/).map(Number);
        out[m[1]!] = { rxPackets: f[1]!, txBytes: f[8]!, txPackets: f[9]! };
      }
      return out;
    },
  };
}
