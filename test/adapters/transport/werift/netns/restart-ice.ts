/**
 * Runs inside a private namespace (test/adapters/transport/werift/restart-ice.test.ts): two
 * werift peers on two addresses of the namespace's lo; the path between them goes dark
 * (nftables drops their UDP) while a message is in flight, comes back, and the offerer restarts
 * ICE through Channel.restartIce over fresh pipes. Prints one JSON line with what happened.
 */
import { execFileSync } from "node:child_process";
import { filter, firstValueFrom, toArray, takeUntil, Subject } from "rxjs";
import { weriftTransport } from "../../../../../src/adapters/transport/werift/index.js";
import { pipePair } from "../pipes.js";

const sh = (argv: string[], input?: string) => execFileSync(argv[0]!, argv.slice(1), { stdio: "pipe", ...(input ? { input } : {}) });
const A = "10.99.0.1";
const B = "10.99.0.2";
sh(["ip", "addr", "add", `${A}/32`, "dev", "lo"]);
sh(["ip", "addr", "add", `${B}/32`, "dev", "lo"]);
const DARK = `table inet dark {\n chain out {\n type filter hook output priority 0;\n ip saddr ${A} ip daddr ${B} ip protocol udp counter drop\n ip saddr ${B} ip daddr ${A} ip protocol udp counter drop\n }\n}\n`;

const ta = weriftTransport({ interfaceAddress: A })();
const tb = weriftTransport({ interfaceAddress: B })();
const first = pipePair();
const [a, b] = await Promise.all([ta.connect({ role: "offerer", signals: first.a }), tb.connect({ role: "answerer", signals: first.b })]);
const done = new Subject<void>();
const healthA = firstValueFrom(a.health$.pipe(takeUntil(done), toArray()));
const pathsA = firstValueFrom(a.path$.pipe(takeUntil(done), toArray()));
const received = b.messages$.pipe(filter((m) => m[0] === 2));
const inFlight = firstValueFrom(received);

sh(["nft", "-f", "-"], DARK);
a.send(Uint8Array.of(2, 2, 2)); // lost on the dark path; SCTP keeps retransmitting it
// The outage lasts 1.5 s (the scenario, not a wait for a result): long enough for SCTP's first
// retransmission (RTO ≥ 1 s in werift) to be dropped too.
await new Promise((r) => setTimeout(r, 1_500));
const dropped = /packets (\d+)/.exec(sh(["nft", "list", "table", "inet", "dark"]).toString())?.[1];
sh(["nft", "delete", "table", "inet", "dark"]);

const t0 = performance.now();
const again = pipePair();
await Promise.all([a.restartIce!({ role: "offerer", signals: again.a }), b.restartIce!({ role: "answerer", signals: again.b })]);
const restartMs = performance.now() - t0;
await inFlight;
const inFlightMs = performance.now() - t0;
const echoed = firstValueFrom(b.messages$.pipe(filter((m) => m[0] === 3)));
a.send(Uint8Array.of(3));
await echoed;
done.next();
const result = {
  droppedPackets: Number(dropped),
  restartMs: Math.round(restartMs),
  inFlightDeliveredMs: Math.round(inFlightMs),
  stateA: a.state,
  stateB: b.state,
  pathA: a.path,
  pathsA: await pathsA,
  healthA: await healthA,
};
a.close();
await b.closed;
await Promise.all([ta.close(), tb.close()]);
console.log(JSON.stringify(result));
