/**
 * A browser "device" for the net lab (bundled with the browser entry, run in Chromium inside a
 * lab device namespace): joins a pairing code through the relay with the ICE servers the test
 * gives, applies edits, and reports convergence the way `lethe device` does — presence
 * `done <sha256 of the doc's canonical JSON>` — so a `lethe device --host` process on the other
 * side ends the session once both hold the same doc. `window.lab` is what the test drives.
 */
import { browserTransport, createSyncEngine, relaySignaling, type SyncEngine } from "../../../src/browser.js";
import type { Channel, Transport } from "../../../src/adapters/transport/types.js";

interface PathReport {
  readonly local: string;
  readonly remote: string;
  readonly protocol: string;
}

/** Keys sorted at every level: the same bytes as the CLI's canonicalJson for the same doc. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const r = v as Record<string, unknown>;
    return `{${Object.keys(r).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(r[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

async function docHash(engine: SyncEngine): Promise<string> {
  const json: Record<string, unknown> = {};
  for (const name of engine.doc.share.keys()) json[name] = engine.doc.getMap(name).toJSON();
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonicalJson(json)));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The channel's own report of its selected candidate pair (`Channel.path`, from getStats). */
function selectedPath(channel: Channel): Promise<PathReport | undefined> {
  const p = channel.path;
  return Promise.resolve(p.kind === "ice" ? { local: p.local, remote: p.remote, protocol: p.protocol } : undefined);
}

let engine: SyncEngine | undefined;
let channel: Channel | undefined;
const log: string[] = [];
/** Every state of the doc reported while connected, with its hash (the doc itself is wiped and
 * destroyed when the session ends, which also fires updates: the test looks for the report whose
 * hash the other side ended with). */
const reports: { json: Record<string, unknown>; hash: string }[] = [];

const lab = {
  log,
  async join(code: string, relayUrl: string, iceServers: RTCIceServer[], edits: readonly [string, string, string][]): Promise<void> {
    const inner = browserTransport({ iceServers: iceServers.map((s) => ({ urls: s.urls as string, ...(s.username ? { username: s.username, credential: s.credential as string } : {}) })) })();
    const transport: Transport = {
      kind: inner.kind,
      close: () => inner.close(),
      connect: async (o) => (channel = await inner.connect(o)),
    };
    const e = createSyncEngine({ transport, signaling: relaySignaling({ url: relayUrl }), deviceName: "chromium" });
    engine = e;
    e.doc.transact(() => {
      for (const [map, key, value] of edits) e.doc.getMap(map).set(key, value);
    });
    const report = () => {
      if (e.snapshot().status !== "connected") return;
      const json: Record<string, unknown> = {};
      for (const name of e.doc.share.keys()) json[name] = e.doc.getMap(name).toJSON();
      void docHash(e).then((hash) => {
        reports.push({ json, hash });
        if (e.snapshot().status === "connected") e.setPresence(`done ${hash}`);
      });
    };
    e.doc.on("update", report);
    e.events$.subscribe((ev) => {
      log.push(ev.type === "error" ? `error: ${ev.name} (${ev.source})` : ev.type);
      if (ev.type === "connected") report();
    });
    await e.join(code);
  },
  status: () => engine?.snapshot().status ?? "none",
  ended: async () => (await engine!.ended) as string,
  reports: () => reports,
  path: () => (channel ? selectedPath(channel) : Promise.resolve(undefined)),
};
(globalThis as { lab?: typeof lab }).lab = lab;
