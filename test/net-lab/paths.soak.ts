/**
 * Soak: the cone <-> cone (STUN) and symmetric <-> symmetric (TURN) rows of paths.test.ts,
 * `LETHE_SOAK_ROUNDS` times each (default 10) on one topology. Every round must converge on the
 * same kind of path; the connect times (joiner: paired -> connected) are reported as medians.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createNetLab, pairDevices, type Coturn, type LabDevice, type NetLab } from "../helpers/net-lab/index.js";

const ROUNDS = Number(process.env.LETHE_SOAK_ROUNDS ?? 10);
let lab: NetLab;
let coturn: Coturn;
let relayUrl: string;
const d: Record<"homeCone" | "cellCone" | "homeSym" | "cellSym", LabDevice> = {} as never;

beforeAll(async () => {
  lab = await createNetLab();
  const homeCone = await lab.addRouter("home-cone", { nat: "cone" });
  const cellCone = await lab.addRouter("cell-cone", { nat: "cone" });
  const homeSym = await lab.addRouter("home-sym", { nat: "symmetric" });
  const cellSym = await lab.addRouter("cell-sym", { nat: "symmetric" });
  d.homeCone = await lab.addDevice("desktop", homeCone);
  d.cellCone = await lab.addDevice("phone", cellCone);
  d.homeSym = await lab.addDevice("desktop2", homeSym);
  d.cellSym = await lab.addDevice("phone2", cellSym);
  coturn = await lab.startCoturn();
  relayUrl = (await lab.startRelay()).url;
});
afterAll(async () => {
  await lab?.destroy();
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function soak(name: string, a: LabDevice, b: LabDevice, args: string[], pathKind: (local: string, remote: string) => boolean) {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const r = await pairDevices(a, b, ["--relay", relayUrl, ...args]);
    expect(r.host.code, `${name} round ${i}: ${r.host.stderr}`).toBe(0);
    expect(r.joiner.code, `${name} round ${i}: ${r.joiner.stderr}`).toBe(0);
    expect(pathKind(r.joinerPath!.local, r.joinerPath!.remote) || pathKind(r.hostPath!.local, r.hostPath!.remote)).toBe(true);
    times.push(r.connectMs!);
  }
  console.log(`soak ${name}: ${ROUNDS} rounds, paired->connected median ${median(times).toFixed(0)} ms (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)})`);
}

it("cone <-> cone over STUN, again and again: always direct (srflx/prflx)", async () => {
  await soak("cone<->cone", d.homeCone, d.cellCone, ["--ice", coturn.stunUrls[0]], (l, r) => l === "host" && (r === "srflx" || r === "prflx"));
});

it("symmetric <-> symmetric over TURN, again and again: always through coturn", async () => {
  await soak("sym<->sym TURN", d.homeSym, d.cellSym, ["--ice", coturn.stunUrls[0], "--ice", coturn.turnUrl, "--ice-username", coturn.username, "--ice-credential", coturn.password], (l, r) => l === "relay" || r === "relay");
});
