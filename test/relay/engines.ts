/**
 * Two sync engines on the memory transport that signal through a live relay (helper shared by
 * the engine and privacy tests). Lifecycle timers are the engine's defaults (minutes long);
 * nothing here waits on them.
 */
import { filter, firstValueFrom } from "rxjs";
import { relaySignaling } from "../../src/adapters/signaling/relay/index.js";
import { createMemoryNetwork } from "../../src/testing/network/index.js";
import { createSyncEngine } from "../../src/runtime/index.js";
import { weriftTransport } from "../../src/adapters/transport/werift/index.js";
import type { SyncEngine } from "../../src/runtime/types.js";

export interface RelayedPair {
  readonly a: SyncEngine;
  readonly b: SyncEngine;
  readonly code: string;
  end(): Promise<void>;
}

/**
 * Host on `urlA`, join on `urlB` (the same relay, or two relays sharing Redis). Transport: the
 * memory network, or werift restricted to loopback (then the sealed SDPs and candidates are
 * what travels through the relay).
 */
export async function pairThroughRelay(urlA: string, urlB: string, seed: string, transport: "memory" | "werift" = "memory"): Promise<RelayedPair> {
  const net = createMemoryNetwork({ seed });
  const t = (name: string) => (transport === "werift" ? { transport: weriftTransport({ loopbackOnly: true })() } : { transport: net.device(name).transport });
  const a = createSyncEngine({ ...t("laptop"), signaling: relaySignaling({ url: urlA }), deviceName: "laptop" });
  const b = createSyncEngine({ ...t("phone"), signaling: relaySignaling({ url: urlB }), deviceName: "phone" });
  const connected = (e: SyncEngine) => firstValueFrom(e.events$.pipe(filter((ev) => ev.type === "connected")));
  const aConnected = connected(a);
  const { code } = await a.host();
  await b.join(code);
  await aConnected;
  return { a, b, code, end: async () => void (await Promise.all([a.end(), b.end()])) };
}

/** Set `key` on one engine's doc and resolve when the other engine's doc has it. */
export async function syncs(from: SyncEngine, to: SyncEngine, key: string, value: string): Promise<void> {
  const map = to.doc.getMap("prefs");
  const arrived = new Promise<void>((resolve) => {
    const check = () => {
      if (map.get(key) === value) {
        map.unobserve(check);
        resolve();
      }
    };
    map.observe(check);
  });
  from.doc.getMap("prefs").set(key, value);
  await arrived;
}
