/**
 * A session that survives a network change (issue 14), on the net lab: the phone starts on the
 * home Wi-Fi next to the desktop (a direct host path), then walks out of range — its namespace is
 * re-linked from the home router to the cellular router (new address, a symmetric NAT, the old
 * path dark at once). Both devices notice the silent link (linkStaleMs after the last frame;
 * pings every pingIntervalMs), give it up, re-signal through the relay with the session's sealed
 * signaling and open a fresh connection under the same keys and epoch — through TURN, since a
 * port-restricted cone and a symmetric NAT have no direct path (docs/networks.md). Edits made on
 * both sides during the outage converge; nothing is lost. A path that never comes back ends the
 * session `peerGone` at its timeout, with the usual wipe.
 *
 * Fresh connection rather than ICE restart: werift's restartIce works only on the same local
 * address (docs/transport.md), and a network change is a new one.
 *
 * The time from the re-link to the outage edits seen on both sides is printed per run; the
 * closing note quotes the median of five (LETHE_ROAM_RUNS=5 runs the first case five times).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createNetLab, type Coturn, type LabDevice, type LabRouter, type NetLab } from "../helpers/net-lab/index.js";
import type { SpawnedScript } from "../helpers/netns.js";

const SCRIPT = "test/net-lab/scripts/roaming-device.ts";
const TIMINGS = { pingIntervalMs: 1_000, linkStaleMs: 3_000, peerGoneMs: 20_000, inactivityMs: 600_000, reconnectBaseMs: 250, reconnectMaxMs: 2_000 };
const RUNS = Math.max(1, Number(process.env.LETHE_ROAM_RUNS ?? 1));

let lab: NetLab;
let coturn: Coturn;
let relayUrl: string;
let home: LabRouter;
let cell: LabRouter;
let dead: LabRouter;
const resync: number[] = [];

beforeAll(async () => {
  lab = await createNetLab();
  home = await lab.addRouter("home", { nat: "cone" });
  cell = await lab.addRouter("cellular", { nat: "symmetric" });
  dead = await lab.addRouter("dead-zone", { nat: "symmetric" });
  coturn = await lab.startCoturn();
  relayUrl = (await lab.startRelay()).url;
}, 60_000);

/** The devices of the running case, printed if it fails (also on a timeout). */
let live: Device[] = [];
const dump = (ds: Device[]) => console.log(ds.map((d, i) => `${i === 0 ? "desktop" : "phone"}:\n${d.proc.output()}`).join("\n"));
afterEach(async (ctx) => {
  const failed = ctx.task.result?.state === "fail";
  for (const d of live) d.proc.kill("SIGKILL");
  if (failed) {
    dump(live);
    for (const d of live) console.log(`stderr: ${(await d.proc.exited).stderr}`);
  }
  live = [];
});

afterAll(async () => {
  await lab?.destroy();
  if (resync.length > 0) {
    const sorted = [...resync].sort((a, b) => a - b);
    console.log(`network change: re-link -> outage edits on both sides, ms: ${resync.map((t) => t.toFixed(0)).join(", ")}; median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)}`);
  }
});

interface Device {
  readonly proc: SpawnedScript;
  send(line: string): void;
  /** Resolves with the first stdout line after `from` (an index into the output) matching `re`. */
  after(from: number, re: RegExp): Promise<string>;
  lines(): string[];
}

function start(device: LabDevice, role: "host" | "join", code?: string): Device {
  const ice = [
    { urls: coturn.stunUrls[0] },
    { urls: coturn.turnUrl, username: coturn.username, credential: coturn.password },
  ];
  const args = [role, relayUrl, JSON.stringify(ice), JSON.stringify(TIMINGS), ...(code ? [code] : [])];
  const proc = device.ns.spawnTs(SCRIPT, args, { timeoutMs: 120_000, stdin: "pipe" });
  const lines = () => proc.output().split("\n");
  return {
    proc,
    send: (line) => void proc.child.stdin!.write(`${line}\n`),
    lines,
    after: async (from, re) => {
      for (;;) {
        const hit = lines().slice(from).find((l) => re.test(l));
        if (hit !== undefined) return hit;
        if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw new Error(`device exited; output:\n${proc.output()}`);
        await new Promise((resolve) => proc.child.stdout!.once("data", resolve)); // the next output, not a sleep
      }
    },
  };
}

async function pairOn(a: LabDevice, b: LabDevice): Promise<{ host: Device; joiner: Device }> {
  const host = start(a, "host");
  const code = (await host.proc.line(/^code: /)).slice("code: ".length);
  const joiner = start(b, "join", code);
  await Promise.all([host, joiner].flatMap((d) => [d.proc.line(/^path: /), d.proc.line(/^connected /)]));
  return { host, joiner };
}

const docHas = (line: string, keys: string[]) => {
  const doc = JSON.parse(line.slice("doc: ".length)) as Record<string, string>;
  return keys.every((k) => k in doc);
};

async function bothSee(devices: Device[], keys: string[], from: number[]): Promise<void> {
  await Promise.all(devices.map(async (d, i) => {
    for (let at = from[i]!; ; ) {
      const line = await d.after(at, /^doc: /);
      if (docHas(line, keys)) return;
      at = d.lines().indexOf(line) + 1;
    }
  }));
}

describe("network change mid-session (net lab)", { timeout: 90_000 }, () => {
  for (let run = 1; run <= RUNS; run++) {
    it(`run ${run}: the phone moves from the home router to the cellular one: the link is replaced through the relay under the same keys, edits from the outage converge`, async () => {
      const desktop = await lab.addDevice(`desk${run}`, home);
      const phone = await lab.addDevice(`phone${run}`, home);
      const { host, joiner } = await pairOn(desktop, phone);
      live = [host, joiner];
      let done = false;
      try {
        expect(host.lines().find((l) => l.startsWith("path: "))).toMatch(/^path: local=host remote=host route=direct$/);
        const epoch = /epoch=(\d+)/.exec(host.lines().find((l) => l.startsWith("connected"))!)![1];
        host.send("set before 1");
        await bothSee([host, joiner], ["before"], [0, 0]);

        const mark = [host.lines().length, joiner.lines().length];
        const t0 = performance.now();
        await lab.relink(phone, cell); // the home path goes dark at once
        host.send("set from-desktop outage");
        joiner.send("set from-phone outage");
        await bothSee([host, joiner], ["before", "from-desktop", "from-phone"], mark);
        const took = performance.now() - t0;
        resync.push(took);
        console.log(`run ${run}: outage edits converged ${took.toFixed(0)} ms after the re-link`);

        for (const [d, i] of [[host, 0], [joiner, 1]] as const) {
          const since = d.lines().slice(mark[i]);
          expect(since.some((l) => /^disconnected: /.test(l)), "the old link was given up").toBe(true);
          // A fresh connection: a new path, through TURN (cone vs symmetric has no direct path).
          expect(since.find((l) => l.startsWith("path: "))).toMatch(/route=relayed$/);
          // The same session: the same epoch, no second pairing.
          await d.after(mark[i]!, /^connected /);
          expect(d.lines().slice(mark[i]).find((l) => l.startsWith("connected"))).toBe(`connected epoch=${epoch}`);
          expect(since.some((l) => l.startsWith("code: "))).toBe(false);
        }
        host.send("end");
        expect(await host.proc.line(/^ended: /)).toBe("ended: user");
        expect(await joiner.proc.line(/^ended: /)).toBe("ended: peerEnded");
        for (const d of [host, joiner]) expect(await d.proc.line(/^wiped: /)).toBe("wiped: zero doc=destroyed");
        done = true;
      } finally {
        if (!done) dump([host, joiner]);
        host.proc.kill("SIGKILL");
        joiner.proc.kill("SIGKILL");
      }
    });
  }

  it("a path that never comes back ends the session peerGone at its timeout, with the usual wipe", async () => {
    const desktop = await lab.addDevice("desk-gone", home);
    const phone = await lab.addDevice("phone-gone", home);
    const { host, joiner } = await pairOn(desktop, phone);
    live = [host, joiner];
    try {
      const t0 = performance.now();
      await lab.relink(phone, dead);
      await dead.ns.exec(["ip", "link", "set", "wan0", "down"]); // the phone is offline: no path, no relay
      expect(await host.proc.line(/^ended: /)).toBe("ended: peerGone");
      const took = performance.now() - t0;
      expect(took).toBeGreaterThanOrEqual(TIMINGS.peerGoneMs - 1_000);
      expect(await host.proc.line(/^wiped: /)).toBe("wiped: zero doc=destroyed");
      expect(await joiner.proc.line(/^ended: /)).toBe("ended: peerGone");
      expect(await joiner.proc.line(/^wiped: /)).toBe("wiped: zero doc=destroyed");
      expect(host.lines().some((l) => /^disconnected: /.test(l))).toBe(true); // it tried: reconnecting, then gone
    } finally {
      host.proc.kill("SIGKILL");
      joiner.proc.kill("SIGKILL");
    }
  });
});
