/**
 * A packet capture on the lab's internet segment: Debian's tcpdump on every interface of the
 * internet namespace (`-i any`: each router's port on the bridge, the bridge, and lo, where
 * coturn relays between two of its own allocations), writing pcap to a pipe kept in memory (no
 * file). A bridge forwards port-to-port traffic (router to router) without showing it on br0
 * once it has learned the MACs, so capturing on br0 alone would miss direct paths. A frame that
 * crosses the bridge is seen twice (in on one port, out on another). `stop()` returns the raw capture; tests search it for byte strings — the
 * sync payload marker must never appear, while something that is sent in clear on purpose (the
 * TURN USERNAME attribute) must, which proves the capture saw the TURN traffic at all.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { Netns } from "../netns.js";

export interface CaptureResult {
  /** The pcap bytes (link-layer frames, full snap length). */
  readonly pcap: Buffer;
  /** Packets the kernel dropped because tcpdump fell behind (as tcpdump reports at exit). */
  readonly dropped: number;
  /** tcpdump's own count lines (captured / received by filter / dropped), for a failure message. */
  readonly counts: string;
}

export interface Capture {
  stop(): Promise<CaptureResult>;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of running) c.kill("SIGKILL");
});

export async function startCapture(ns: Netns, iface = "any"): Promise<Capture> {
  // -U: write each packet at once; -s 0: whole frames; -n: no name lookups; -Z root: keep root
  // (we write to a pipe, not a file, so there is nothing to protect by dropping to `tcpdump`).
  // --immediate-mode: each packet is handed to tcpdump as it arrives (otherwise libpcap holds
  // them in the ring up to its 1 s timeout, and packets of the last second before stop() were
  // silently lost: measured as 0.3-20 KB captured for the same traffic). -B: a 128 MiB ring.
  // Immediate mode makes libpcap use TPACKET_V2, a ring of fixed slots each as large as the
  // biggest frame it may capture, so 16 MiB held far fewer packets than its size suggests: in
  // full runs on a loaded machine 16-26 of a TURN row's packets were dropped while tcpdump
  // waited for a CPU.
  const child = spawn("ip", ["netns", "exec", ns.name, "tcpdump", "-i", iface, "--immediate-mode", "-U", "-B", "131072", "-s", "0", "-n", "-Z", "root", "-w", "-"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  const chunks: Buffer[] = [];
  child.stdout!.on("data", (d: Buffer) => chunks.push(d));
  let stderr = "";
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes("listening on")) resolve();
    });
    void exited.then(() => reject(new Error(`tcpdump exited before capturing: ${stderr.trim()} (apt-get install tcpdump)`)));
  });
  return {
    stop: async () => {
      child.kill("SIGINT");
      await exited;
      running.delete(child);
      const dropped = /(\d+) packets? dropped by kernel/.exec(stderr);
      if (!dropped) throw new Error(`tcpdump did not report its counts: ${stderr.trim()}`);
      const counts = stderr.split("\n").filter((l) => /^\d+ packets?/.test(l)).join("; ");
      return { pcap: Buffer.concat(chunks), dropped: Number(dropped[1]), counts };
    },
  };
}

export interface UdpFlow {
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
  packets: number;
  bytes: number;
}

/**
 * The IPv4/UDP flows in a pcap (Ethernet, or Linux "cooked" SLL/SLL2 as `-i any` writes),
 * aggregated by (src, sport, dst, dport). Enough to tell a direct path between two routers'
 * public addresses from one through coturn's relay ports.
 */
export function udpFlows(pcap: Buffer): UdpFlow[] {
  if (pcap.length < 24) return [];
  const magic = pcap.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && pcap.readUInt32BE(0) !== 0xa1b2c3d4 && pcap.readUInt32BE(0) !== 0xa1b23c4d) throw new Error("not a pcap");
  const u32 = (o: number) => (le ? pcap.readUInt32LE(o) : pcap.readUInt32BE(o));
  // Link types: 1 Ethernet (ethertype at 12, IP at 14), 113 SLL (16), 276 SLL2 (0, IP at 20).
  const link = { 1: { proto: 12, ip: 14 }, 113: { proto: 14, ip: 16 }, 276: { proto: 0, ip: 20 } }[u32(20)];
  if (link === undefined) throw new Error(`unsupported pcap link type ${u32(20)}`);
  const ip = (o: number) => `${pcap[o]}.${pcap[o + 1]}.${pcap[o + 2]}.${pcap[o + 3]}`;
  const flows = new Map<string, UdpFlow>();
  for (let off = 24; off + 16 <= pcap.length; ) {
    const len = u32(off + 8);
    const frame = off + 16;
    off = frame + len;
    if (off > pcap.length || len < link.ip + 20 + 8) continue;
    if (pcap.readUInt16BE(frame + link.proto) !== 0x0800) continue; // IPv4 only
    const iph = frame + link.ip;
    const ihl = (pcap[iph]! & 0x0f) * 4;
    if (pcap[iph + 9] !== 17) continue; // UDP
    const udp = iph + ihl;
    const f = { src: ip(iph + 12), dst: ip(iph + 16), sport: pcap.readUInt16BE(udp), dport: pcap.readUInt16BE(udp + 2) };
    const key = `${f.src}:${f.sport}>${f.dst}:${f.dport}`;
    const flow = flows.get(key) ?? { ...f, packets: 0, bytes: 0 };
    flow.packets++;
    // From the captured length, not the UDP length field: GRO may hand tcpdump several datagrams
    // of one flow as one buffer whose UDP header still describes only the first.
    flow.bytes += frame + len - (udp + 8);
    flows.set(key, flow);
  }
  return [...flows.values()];
}
