/**
 * A test internet inside network namespaces the test creates and deletes itself (root only).
 *
 *   internet ns "inet": bridge br0 = the internet segment
 *     198.51.100.1/24   the ISP side routers hang off (their WANs are 198.51.100.10+k)
 *     203.0.113.1/24    the Lethe relay (`lethe relay`)
 *     203.0.113.2, .3   coturn: STUN on both, TURN relaying from .2
 *     default route to 198.51.100.254, a MAC no port has: "the rest of the internet" (packets
 *     to private addresses vanish, as they do out there)
 *   router ns (one per home/cellular network): wan0 (198.51.100.10+k) on br0, bridge lan0
 *     192.168.k.1/24 for its devices, IPv4 forwarding, NAT/firewall by nftables (nat.ts)
 *   device ns: eth0 192.168.k.(10+m)/24 on the router's lan0, default route via the router,
 *     224.0.0.0/4 on eth0 for mDNS. Interfaces are named eth0/wan0, never veth*: werift skips
 *     veth*, tun*, tap* when gathering host candidates.
 *
 * Every veth is created with its two ends directly inside lab namespaces, so the machine's own
 * namespace never sees an interface, route or nft table appear; IPv6 is off everywhere (no
 * link-local chatter, no IPv6 candidates); nothing has a route out of the lab. Names come from
 * test/helpers/netns.ts (`lethe-<pid>-<n>`), which also deletes them and kills children at
 * process exit if the test did not.
 *
 * `relink(device, router)` moves a device to another network mid-test: its eth0 is deleted
 * (the old path goes dark at once) and a new one is made on the other router's LAN, with a new
 * address and default route, so its traffic gets a new NAT mapping.
 */
import { createNetns, type ExecResult, type Netns } from "../netns.js";
import { routerRuleset, WAN_IFACE, type RouterPolicy } from "./nat.js";
import { nft, startCoturn, type Coturn, type CoturnOptions } from "./coturn.js";

export const LAB = {
  ispGateway: "198.51.100.1",
  /** The "rest of the internet": a next hop nobody answers for, so stray packets vanish. */
  sink: "198.51.100.254",
  relay: "203.0.113.1",
  stun: ["203.0.113.2", "203.0.113.3"] as const,
} as const;

export interface LabRouter {
  readonly ns: Netns;
  readonly label: string;
  readonly policy: RouterPolicy;
  /** Its public (WAN) address on the internet segment. */
  readonly wan: string;
  readonly lanPrefix: string;
}

export interface LabDevice {
  readonly ns: Netns;
  readonly label: string;
  /** Current LAN address and router (change on relink). */
  readonly address: string;
  readonly router: LabRouter;
}

export interface NatProbe {
  readonly localPort: number;
  readonly mapped: readonly ({ server: string; address: string; port: number } | null)[];
  /** From the two reflexive addresses: same public port = endpoint-independent. */
  readonly mapping: "endpoint-independent" | "address-and-port-dependent" | "blocked" | "no-nat";
}

export interface NetLab {
  readonly inet: Netns;
  addRouter(label: string, policy: RouterPolicy): Promise<LabRouter>;
  addDevice(label: string, router: LabRouter): Promise<LabDevice>;
  /** Move `device` onto `router`'s LAN (new address, new NAT); the old link is deleted first. */
  relink(device: LabDevice, router: LabRouter): Promise<void>;
  /** coturn on 203.0.113.2/.3; Allocate requests are counted per router added so far. */
  startCoturn(options?: Partial<CoturnOptions>): Promise<Coturn>;
  /** `lethe relay` on 203.0.113.1 (port chosen by the kernel); its ws:// URL. */
  startRelay(): Promise<{ readonly url: string; stop(): Promise<void> }>;
  /** Run the STUN mapping probe from `device` against both STUN addresses of a running coturn. */
  probe(device: LabDevice): Promise<NatProbe>;
  /** Wall time spent building (namespaces, links, rules) so far, and the last destroy(). */
  readonly timings: { buildMs: number; destroyMs: number };
  destroy(): Promise<void>;
}

const STUN_PROBE = "test/helpers/net-lab/stun-probe.ts";

async function must(ns: Netns, argv: readonly string[]): Promise<ExecResult> {
  const r = await ns.exec(argv);
  if (r.code !== 0) throw new Error(`${argv.join(" ")} failed in ${ns.name}: ${r.stderr.trim()}`);
  return r;
}

/** `ip -batch` for one namespace: many link/addr/route commands for one fork. */
async function ipBatch(ns: Netns, commands: readonly string[]): Promise<void> {
  await must(ns, ["sh", "-c", `printf '%s\\n' "$@" | ip -batch -`, "ip-batch", ...commands]);
}

async function labNamespace(): Promise<Netns & { destroy(): Promise<void> }> {
  const ns = await createNetns({ bare: true });
  try {
    await must(ns, ["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"]);
  } catch (e) {
    await ns.destroy();
    throw e;
  }
  return ns;
}

export async function createNetLab(): Promise<NetLab> {
  const timings = { buildMs: 0, destroyMs: 0 };
  const timed = async <T>(f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      timings.buildMs += performance.now() - t0;
    }
  };
  const owned: (Netns & { destroy(): Promise<void> })[] = [];
  const coturns: Coturn[] = [];
  const relays: (() => Promise<void>)[] = [];
  let routers = 0;
  const wans: string[] = [];
  let devices = 0;

  const inet = await timed(async () => {
    const ns = await labNamespace();
    owned.push(ns);
    await ipBatch(ns, [
      "link add br0 type bridge",
      "link set br0 up",
      `addr add ${LAB.ispGateway}/24 dev br0`,
      `addr add ${LAB.relay}/24 dev br0`,
      `addr add ${LAB.stun[0]}/24 dev br0`,
      `addr add ${LAB.stun[1]}/24 dev br0`,
      // Packets for addresses nobody on the segment has (a peer's private host candidate) are
      // sent to a MAC no port has and are lost, as on the real internet. Without a route the
      // kernel would fail the send at once (ENETUNREACH), and coturn ends an allocation whose
      // relay socket fails.
      `neigh add ${LAB.sink} lladdr 02:00:00:00:00:fe dev br0 nud permanent`,
      `route add default via ${LAB.sink} dev br0`,
    ]);
    return ns;
  });

  const linkDevice = async (device: { ns: Netns }, router: LabRouter): Promise<string> => {
    const m = ++devices;
    const address = `${router.lanPrefix}.${10 + m}`;
    const port = `d${m}`;
    await must(router.ns, ["ip", "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", device.ns.name]);
    await ipBatch(router.ns, [`link set ${port} master lan0`, `link set ${port} up`]);
    await ipBatch(device.ns, [
      `addr add ${address}/24 dev eth0`,
      "link set eth0 multicast on",
      "link set eth0 up",
      `route add default via ${router.lanPrefix}.1 dev eth0`,
      "route add 224.0.0.0/4 dev eth0",
    ]);
    return address;
  };

  const lab: NetLab = {
    inet,
    timings,
    addRouter: (label, policy) =>
      timed(async () => {
        const k = ++routers;
        const ns = await labNamespace();
        owned.push(ns);
        const wan = `198.51.100.${10 + k}`;
        wans.push(wan);
        const lanPrefix = `192.168.${k}`;
        await must(inet, ["ip", "link", "add", `r${k}`, "type", "veth", "peer", "name", WAN_IFACE, "netns", ns.name]);
        await ipBatch(inet, [`link set r${k} master br0`, `link set r${k} up`]);
        await ipBatch(ns, [
          `addr add ${wan}/24 dev ${WAN_IFACE}`,
          `link set ${WAN_IFACE} up`,
          `route add default via ${LAB.ispGateway}`,
          // mDNS between devices of one LAN: flood multicast, no IGMP snooping to wait for.
          "link add lan0 type bridge mcast_snooping 0",
          `addr add ${lanPrefix}.1/24 dev lan0`,
          "link set lan0 up",
        ]);
        await must(ns, ["sysctl", "-qw", "net.ipv4.ip_forward=1"]);
        await nft(ns, routerRuleset(policy));
        return { ns, label, policy, wan, lanPrefix };
      }),
    addDevice: (label, router) =>
      timed(async () => {
        const ns = await labNamespace();
        owned.push(ns);
        const device = { ns, label, address: "", router };
        device.address = await linkDevice(device, router);
        return device;
      }),
    relink: (device, router) =>
      timed(async () => {
        await must(device.ns, ["ip", "link", "del", "eth0"]);
        const address = await linkDevice(device, router);
        Object.assign(device, { address, router });
      }),
    startCoturn: async (options = {}) => {
      const c = await startCoturn(inet, { listen: [LAB.stun[0], LAB.stun[1]], clients: wans, ...options });
      coturns.push(c);
      return c;
    },
    startRelay: async () => {
      const relay = inet.spawnTs("src/cli/lethe.ts", ["relay", "--port", "0", "--host", LAB.relay, "--quiet"], { timeoutMs: 30 * 60_000 });
      const line = await relay.line(/^listening on ws:\/\//);
      const stop = async () => {
        relay.kill("SIGTERM");
        await relay.exited;
      };
      relays.push(stop);
      return { url: line.slice("listening on ".length).trim(), stop };
    },
    probe: async (device) => {
      const r = await device.ns.runTs(STUN_PROBE, [`${LAB.stun[0]}:3478`, `${LAB.stun[1]}:3478`]);
      if (r.code !== 0) throw new Error(`stun probe failed: ${r.stderr}`);
      const out = JSON.parse(r.stdout.trim()) as Omit<NatProbe, "mapping">;
      const [a, b] = out.mapped;
      const mapping: NatProbe["mapping"] =
        a === null || b === null || a === undefined || b === undefined
          ? "blocked"
          : a.address === device.address
            ? "no-nat"
            : a.address === b.address && a.port === b.port
              ? "endpoint-independent"
              : "address-and-port-dependent";
      return { ...out, mapping };
    },
    destroy: async () => {
      const t0 = performance.now();
      for (const c of coturns.splice(0)) await c.stop().catch(() => undefined);
      for (const stop of relays.splice(0)) await stop().catch(() => undefined);
      // Devices first, then routers, then the internet: each veth goes with its first end.
      for (const ns of owned.splice(0).reverse()) await ns.destroy();
      timings.destroyMs = performance.now() - t0;
    },
  };
  return lab;
}
