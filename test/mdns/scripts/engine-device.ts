/**
 * One engine as a separate OS process on its own namespace's LAN (test/mdns/lan-veth.test.ts):
 * `host IFACE` prints `code: <code>`, `join IFACE CODE` joins it. Each sets one key of its own,
 * waits until it sees the other's, prints `doc-hash: <sha256 of the prefs map's canonical JSON>`;
 * the host then ends the session and the joiner ends with `peerEnded`. mDNS + LAN signaling +
 * werift only: no relay, no other server. (The CLI `lethe device` does the same for users.)
 */
import { createHash } from "node:crypto";
import { createSyncEngine, type SyncEngine } from "../../../src/runtime/index.js";
import { lanSignaling, mdnsDiscovery } from "../../../src/adapters/mdns/index.js";
import { weriftTransport } from "../../../src/adapters/werift/index.js";
import { assertPrivateNetns } from "../netns/guard.js";

assertPrivateNetns();
const [role, iface, code] = process.argv.slice(2);
if ((role !== "host" && role !== "join") || iface === undefined) throw new Error("usage: host IFACE | join IFACE CODE");

const discovery = mdnsDiscovery({ interface: iface });
const engine = createSyncEngine({
  signaling: lanSignaling({ discovery, interface: iface }),
  transport: weriftTransport({ interfaceAddress: iface }),
  deviceName: role,
});
const seen = (e: SyncEngine, key: string) =>
  new Promise<void>((resolve) => {
    const m = e.doc.getMap("prefs");
    if (m.has(key)) return resolve();
    const f = () => {
      if (m.has(key)) {
        m.unobserve(f);
        resolve();
      }
    };
    m.observe(f);
  });
const canonical = (v: unknown): string =>
  v !== null && typeof v === "object" && !Array.isArray(v)
    ? `{${Object.keys(v as object).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(",")}}`
    : JSON.stringify(v);

engine.doc.getMap("prefs").set(role, `${role}@${iface}`);
if (role === "host") {
  const { code: c } = await engine.host();
  console.log(`code: ${c}`);
} else {
  await engine.join(code!);
}
await seen(engine, role === "host" ? "join" : "host");
console.log(`doc-hash: ${createHash("sha256").update(canonical(engine.doc.getMap("prefs").toJSON())).digest("hex")}`);
// Both keys are here, so both sides have converged: the host ends the session.
if (role === "host") await engine.end();
console.log(`ended: ${await engine.ended}`);
await discovery.close();
// Diagnostics: what (if anything) still holds the event loop once everything is closed.
setTimeout(() => console.log(`still alive: ${JSON.stringify(process.getActiveResourcesInfo())}`), 3000).unref();
