/**
 * A real coturn (Debian's `turnserver`) on the lab's internet segment, started by the test and
 * stopped with it: STUN on two listening addresses (so a probe can compare the mappings two
 * destinations get), TURN over UDP and TCP relaying from the first address, no CLI, no TLS/DTLS
 * listeners, no database (the SQLite path points into a directory that does not exist, so coturn
 * runs on the command-line credentials alone), no log file (the log goes to stdout, which we
 * keep in memory), the pid file in a private temp dir that is removed.
 *
 * Authentication: long-term credentials (`--lt-cred-mech --user U:P`), or the "TURN REST API"
 * (`--use-auth-secret --static-auth-secret S`: username `expiry:user`, password
 * base64(HMAC-SHA1(S, username))) — `restCredentials()` mints such a pair the standard way.
 *
 * Counters, three independent ones:
 * - nftables counters of TURN Allocate requests per client address (given at start);
 * - nftables counters in the internet namespace on the relay port range: every datagram coturn
 *   relays to or from a peer (the data it carried), read at any time;
 * - coturn's own `usage` / `peer usage` log lines (rp/rb/sp/sb), written when an allocation
 *   ends (werift never deallocates, so that is at lifetime expiry or coturn's shutdown).
 */
import { createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Netns, SpawnedScript } from "../netns.js";

export interface CoturnOptions {
  /** STUN/TURN listening addresses; the first is also the relay address. */
  readonly listen: readonly [string, string];
  readonly realm?: string;
  /** "lt": a static long-term user; "rest": TURN REST API shared secret. Default "lt". */
  readonly auth?: "lt" | "rest";
  readonly minPort?: number;
  readonly maxPort?: number;
  /** Client addresses (router WANs) whose TURN Allocate requests are counted one by one. */
  readonly clients?: readonly string[];
}

export interface TurnUsage {
  readonly session: string;
  readonly username: string;
  /** Packets/bytes received and sent (client side: `usage`; peer side: `peer usage`). */
  readonly rp: number;
  readonly rb: number;
  readonly sp: number;
  readonly sb: number;
}

export interface RelayCounters {
  /** Datagrams/bytes arriving at a relay port (from peers). */
  readonly inPackets: number;
  readonly inBytes: number;
  /** Datagrams/bytes leaving a relay port (to peers). */
  readonly outPackets: number;
  readonly outBytes: number;
}

export interface Coturn {
  readonly relayAddress: string;
  readonly stunUrls: readonly [string, string];
  readonly turnUrl: string;
  readonly realm: string;
  /** Long-term credentials (auth "lt"). */
  readonly username: string;
  readonly password: string;
  /** REST API credentials valid for `ttlSeconds` (auth "rest"). */
  restCredentials(user: string, ttlSeconds?: number): { username: string; credential: string };
  /** Successful ALLOCATE requests so far (from the log). */
  allocations(): number;
  /** TURN Allocate requests (UDP) that reached coturn from `address` (a router's WAN). */
  allocateRequestsFrom(address: string): Promise<number>;
  /** `usage` (client side) and `peer usage` (relayed) lines logged so far. */
  usage(): { client: TurnUsage[]; peer: TurnUsage[] };
  /** The relay-port traffic counters (nftables, internet namespace). */
  relayCounters(): Promise<RelayCounters>;
  readonly log: () => string;
  stop(): Promise<void>;
}

const NFT_TABLE = "lethe_turn";

/** Temp dirs of coturns still running, removed at process exit if the test did not stop them. */
const dirs = new Set<string>();
process.once("exit", () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

export async function startCoturn(inet: Netns, options: CoturnOptions): Promise<Coturn> {
  const [primary, secondary] = options.listen;
  const realm = options.realm ?? "lethe.test";
  const minPort = options.minPort ?? 49152;
  const maxPort = options.maxPort ?? 49999;
  const auth = options.auth ?? "lt";
  const username = "lethe-lab";
  const password = randomBytes(12).toString("base64url");
  const secret = randomBytes(24).toString("base64url");
  const dir = mkdtempSync(join(tmpdir(), "lethe-coturn-"));
  dirs.add(dir);
  const args = [
    "turnserver",
    "-n", // no configuration file
    "-v", // session lines and usage counters in the log
    "--no-cli",
    "--no-tls",
    "--no-dtls",
    `--listening-ip=${primary}`,
    `--listening-ip=${secondary}`,
    `--relay-ip=${primary}`,
    `--min-port=${minPort}`,
    `--max-port=${maxPort}`,
    `--realm=${realm}`,
    "--fingerprint",
    "--log-file=stdout",
    "--simple-log",
    `--pidfile=${join(dir, "turnserver.pid")}`,
    // No database: a path whose directory does not exist, so the SQLite open fails and only the
    // credentials given here count (coturn otherwise opens /var/lib/turn/turndb).
    `--userdb=${join(dir, "no-db", "turndb")}`,
    ...(auth === "lt" ? ["--lt-cred-mech", `--user=${username}:${password}`] : ["--use-auth-secret", `--static-auth-secret=${secret}`]),
  ];
  await nft(inet, [
    `table ip ${NFT_TABLE} {`,
    "  chain relay_in {",
    "    type filter hook input priority filter; policy accept;",
    `    ip daddr ${primary} udp dport ${minPort}-${maxPort} counter`,
    "  }",
    "  chain relay_out {",
    "    type filter hook output priority filter; policy accept;",
    `    ip saddr ${primary} udp sport ${minPort}-${maxPort} counter`,
    "  }",
    // STUN message type 0x0003 (Allocate) in the first two payload bytes, per client address.
    "  chain clients {",
    "    type filter hook input priority filter; policy accept;",
    ...(options.clients ?? []).map((a) => `    ip saddr ${a} udp dport 3478 @ih,0,16 0x0003 counter comment "allocate ${a}"`),
    "  }",
    "}",
  ].join("\n"));
  const proc: SpawnedScript = inet.spawn(args, { timeoutMs: 30 * 60_000 });
  try {
    await proc.line(/Total General servers/);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`turnserver did not start: ${(e as Error).message}`);
  }
  const log = () => proc.output();
  const usageLines = (kind: "usage" | "peer usage"): TurnUsage[] => {
    const re = new RegExp(`session (\\d+): ${kind}: realm=<[^>]*>, username=<([^>]*)>, rp=(\\d+), rb=(\\d+), sp=(\\d+), sb=(\\d+)`, "g");
    return [...log().matchAll(re)].map((m) => ({
      session: m[1]!, username: m[2]!, rp: Number(m[3]), rb: Number(m[4]), sp: Number(m[5]), sb: Number(m[6]),
    }));
  };
  let stopped: Promise<void> | undefined;
  return {
    relayAddress: primary,
    stunUrls: [`stun:${primary}:3478`, `stun:${secondary}:3478`],
    turnUrl: `turn:${primary}:3478?transport=udp`,
    realm,
    username,
    password,
    restCredentials: (user, ttlSeconds = 600) => {
      const name = `${Math.floor(Date.now() / 1000) + ttlSeconds}:${user}`;
      return { username: name, credential: createHmac("sha1", secret).update(name).digest("base64") };
    },
    allocations: () => (log().match(/ALLOCATE processed, success/g) ?? []).length,
    allocateRequestsFrom: async (address) => {
      const out = (await inet.exec(["nft", "list", "chain", "ip", NFT_TABLE, "clients"])).stdout;
      const m = new RegExp(`counter packets (\\d+) bytes \\d+ comment "allocate ${address.replace(/\./g, "\\.")}"`).exec(out);
      if (!m) throw new Error(`no allocate counter for ${address}: ${out}`);
      return Number(m[1]);
    },
    usage: () => ({ client: usageLines("usage"), peer: usageLines("peer usage") }),
    relayCounters: async () => {
      const out = await inet.exec(["nft", "list", "table", "ip", NFT_TABLE]);
      const counter = (chain: string) => {
        const block = new RegExp(`chain ${chain} \\{[^}]*?counter packets (\\d+) bytes (\\d+)`).exec(out.stdout);
        if (!block) throw new Error(`no counter in chain ${chain}: ${out.stdout}${out.stderr}`);
        return { packets: Number(block[1]), bytes: Number(block[2]) };
      };
      const i = counter("relay_in");
      const o = counter("relay_out");
      return { inPackets: i.packets, inBytes: i.bytes, outPackets: o.packets, outBytes: o.bytes };
    },
    log,
    stop: () =>
      (stopped ??= (async () => {
        proc.kill("SIGTERM");
        await proc.exited;
        await inet.exec(["nft", "delete", "table", "ip", NFT_TABLE]);
        rmSync(dir, { recursive: true, force: true });
        dirs.delete(dir);
      })()),
  };
}

export async function nft(ns: Netns, script: string): Promise<void> {
  const path = join(tmpdir(), `lethe-nft-${process.pid}-${randomBytes(4).toString("hex")}.nft`);
  writeFileSync(path, script + "\n");
  try {
    const r = await ns.exec(["nft", "-f", path]);
    if (r.code !== 0) throw new Error(`nft -f failed in ${ns.name}: ${r.stderr}\n${script}`);
  } finally {
    rmSync(path, { force: true });
  }
}
