/**
 * One device of the network-change test, run inside a lab namespace: an engine over werift and
 * the relay, driven by lines on stdin (`set KEY VALUE` edits map "m"; `end` ends), reporting on
 * stdout what the test waits for: `code: …` (host), `connected …`, `path: …`, `disconnected: …`,
 * `doc: {json}` after every change, `ended: …`, `wiped: …`. Test-only (the code is an argument).
 *
 *   roaming-device.ts host|join RELAY_URL ICE_SERVERS_JSON TIMINGS_JSON [CODE]
 */
import { createInterface } from "node:readline";
import { createSyncEngine } from "../../../src/runtime/node.js";
import { weriftTransport } from "../../../src/adapters/transport/werift/index.js";
import { relaySignaling } from "../../../src/adapters/signaling/relay/index.js";
import { probeEngine } from "../../../src/testing/index.js";

const [role, relay, iceJson, timingsJson, code] = process.argv.slice(2);
const out = (line: string) => process.stdout.write(`${line}\n`);

const engine = createSyncEngine({
  transport: weriftTransport({ iceServers: JSON.parse(iceJson!) }),
  signaling: relaySignaling({ url: relay! }),
  deviceName: role!,
  timings: JSON.parse(timingsJson!),
});
const probe = probeEngine(engine);
const held: Uint8Array[] = [];
probe.watchSecrets((bufs) => held.push(...bufs.filter((b) => !held.includes(b))));
const doc = engine.doc.getMap<string>("m");
engine.doc.on("update", () => out(`doc: ${JSON.stringify(doc.toJSON())}`));
engine.events$.subscribe((e) => {
  if (e.type === "connected") out(`connected epoch=${String(engine.snapshot().epoch)}`);
  else if (e.type === "path") out(`path: ${e.path.kind === "ice" ? `local=${e.path.local} remote=${e.path.remote} route=${e.route}` : e.path.kind}`);
  else if (e.type === "disconnected") out(`disconnected: ${e.reason}`);
  else if (e.type === "error") process.stderr.write(`error: ${e.name} (${e.source})${e.hint ? `: ${e.hint}` : ""}\n`);
});
createInterface({ input: process.stdin }).on("line", (line) => {
  const [cmd, key, value] = line.trim().split(/\s+/);
  if (cmd === "set" && key !== undefined && !engine.doc.isDestroyed) doc.set(key, value ?? "");
  else if (cmd === "end") void engine.end();
});

if (role === "host") out(`code: ${(await engine.host()).code}`);
else await engine.join(code!).catch((e: Error) => out(`join failed: ${e.name}`));
const reason = await engine.ended;
out(`ended: ${reason}`);
out(`wiped: ${held.length > 0 && held.every((b) => b.every((x) => x === 0)) ? "zero" : "NOT zero"} doc=${engine.doc.isDestroyed ? "destroyed" : "alive"}`);
process.exit(0);
