/**
 * The demo behind `npm start`: two devices in one process on real transports. They pair through
 * LAN signaling (the host's WebSocket on 127.0.0.1; discovery is an in-process directory, so no
 * multicast leaves the machine) and sync over werift data channels restricted to loopback. The
 * laptop hosts and prints a code, the phone joins with it, both print the verification words (the
 * same four on both: no one is in the middle), both sync a few preference changes, a
 * compact live view shows each actor's state and the countdowns (inactivity, expiry, next
 * rotation), a key rotation happens, and then nobody touches anything: the dead-man's switch
 * ends the session and the view shows the wipe (keys zeroed, doc and awareness gone).
 *
 * Time runs on a simulated clock advanced in steps (a 2-minute inactivity window passes in a
 * few seconds); pacing between steps is cosmetic. Flags:
 *   --fast   no pacing (tests, CI)
 *   --stay   keep the session open: real time, an edit now and then keeps it alive; Ctrl-C ends
 *            it (and wipes)
 *   --memory the in-memory network instead of sockets (signaling, transport and discovery)
 *   --mdns   find the host with real multicast mDNS on this machine's network (bonjour-service
 *            on every interface): other machines on the LAN see the advertisement. Off by default.
 * On real transports the engines' lifecycle clock is still simulated (the 2-minute inactivity
 * window passes in seconds) while packets move in real time, so the demo waits for each change to
 * arrive before it moves the clock, and sets the liveness timeout (peerGoneMs) beyond the
 * simulated span: a ping's pong travels in real time while the clock jumps 15 s at once.
 * Exit code 0 when every step happened as promised, 3 otherwise (src/cli/exit-codes.ts).
 *
 * The few wall-clock timers here are the demo playing the person and the network, not engine
 * lifecycle: bounds on waiting for real packets (`until`, `seen`, the in-process discovery's find),
 * cosmetic pacing, and `--stay`'s periodic edit. The engines and their adapters run on `clock`.
 */
import { pathToFileURL } from "node:url";
import { importOptional } from "../optional-dependency.js";
import { TestClock } from "../testing/test-clock.js";
import { createMemoryNetwork } from "../testing/network/index.js";
import { probeEngine } from "../testing/index.js";
import { nodeAead } from "../adapters/crypto/node.js";
import { DiscoveryTimeoutError, type Discovery, type ServiceRecord } from "../adapters/discovery/types.js";
import { createSyncEngine } from "../runtime/engine.js";
import type { EngineState, SyncEngine, SyncEngineOptions } from "../runtime/types.js";
import { EXIT } from "./exit-codes.js";

export const DEMO_USAGE = `usage: lethe demo [--fast] [--stay] [--memory] [--mdns]
  --fast     no pacing between steps
  --stay     keep the session open in real time; Ctrl-C ends it (and wipes)
  --memory   the in-memory network instead of sockets
  --mdns     find the host with real multicast mDNS on this machine's network
exit codes: 0 every step happened as promised · 3 a step did not · 1 internal error
`;

export interface DemoIo {
  readonly out: (line: string) => void;
}

const fmt = (ms: number | null): string => {
  if (ms === null) return "  -  ";
  const s = Math.ceil(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : `${m}:${sec}`;
};

/** A state value's leaves: {live: {link: "open", liveness: "watching"}} -> "open/watching". */
const valueOf = (v: unknown): string => {
  if (v === null || typeof v !== "object") return String(v);
  return Object.values(v as Record<string, unknown>).map(valueOf).join("/");
};

/** One compact line per device: status, each actor's state, countdowns, keys, peers. */
export function viewLine(name: string, s: EngineState): string {
  const a = s.actors;
  const part = (id: string, label: string) => (a[id] ? `${label}:${valueOf(a[id]!.value)}` : "");
  const keys = Object.values(s.keys).reduce((x, y) => x + y, 0);
  return [
    name.padEnd(6),
    s.status.padEnd(12),
    part("pairing", "pair"),
    part("connection", "conn"),
    part("keyRotation", "rot"),
    part("deadMan", "dead"),
    part("expiry", "exp"),
    `epoch ${s.epoch ?? "-"}`,
    `idle-end ${fmt(s.countdowns.inactivityMs)}`,
    `expires ${fmt(s.countdowns.expiryMs)}`,
    `rotate ${fmt(s.countdowns.rotationMs)}`,
    `keys ${keys}`,
    s.peers.length > 0 ? `sees ${s.peers.map((p) => `${p.device}(${p.doing})`).join(",")}` : "",
  ].filter((x) => x !== "").join("  ");
}

/**
 * Discovery inside this process: the host's LAN signaling registers {nameplate, 127.0.0.1, port}
 * and the joiner's finds it here. Same contract as mDNS, without a packet on any network.
 */
export function inProcessDiscovery(): Discovery {
  const records = new Map<string, ServiceRecord>();
  const waiting = new Map<string, ((r: ServiceRecord) => void)[]>();
  return {
    kind: "in-process",
    rejected: {},
    async advertise(r) {
      const rec = { version: 1, ...r };
      records.set(r.nameplate, rec);
      for (const w of waiting.get(r.nameplate)?.splice(0) ?? []) w(rec);
      return { withdraw: async () => void (records.get(r.nameplate) === rec && records.delete(r.nameplate)) };
    },
    find(nameplate, o) {
      const found = records.get(nameplate);
      if (found) return Promise.resolve(found);
      return new Promise<ServiceRecord>((resolve, reject) => {
        const timer = setTimeout(() => reject(new DiscoveryTimeoutError(`nobody hosts ${nameplate}`)), o?.timeoutMs ?? 10_000);
        const list = waiting.get(nameplate) ?? [];
        list.push((r) => {
          clearTimeout(timer);
          resolve(r);
        });
        waiting.set(nameplate, list);
      });
    },
    async close() {
      records.clear();
    },
  };
}

/** The two devices' adapters and a way to let in-flight traffic land. */
interface DemoNet {
  readonly label: string;
  device(name: string): Pick<SyncEngineOptions, "transport" | "signaling" | "deviceName">;
  /** Resolves once queued traffic has been delivered (memory) or a few I/O turns passed (sockets). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

async function realNet(mdns: boolean): Promise<DemoNet> {
  // Optional peers of lethe-sync: a missing one stops the demo at once with its install command.
  await importOptional("werift", () => import("werift"));
  await importOptional("ws", () => import("ws"));
  if (mdns) await importOptional("bonjour-service", () => import("bonjour-service"));
  const { weriftTransport } = await import("../adapters/transport/werift/index.js");
  const { lanSignaling, mdnsDiscovery } = await import("../adapters/discovery/mdns/index.js");
  const discoveries: Discovery[] = [];
  const shared = mdns ? undefined : inProcessDiscovery();
  const turn = () => new Promise<void>((r) => setImmediate(r));
  return {
    label: mdns
      ? "LAN signaling found through real mDNS on this machine's network, werift on loopback"
      : "LAN signaling on 127.0.0.1 (in-process discovery), werift data channels on loopback",
    device(name) {
      const discovery = shared ?? mdnsDiscovery()();
      discoveries.push(discovery);
      return {
        signaling: lanSignaling({ discovery, interface: "127.0.0.1" }),
        transport: weriftTransport({ loopbackOnly: true }),
        deviceName: name,
      };
    },
    async idle() {
      for (let i = 0; i < 5; i++) await turn();
    },
    async close() {
      await Promise.allSettled([...new Set(discoveries)].map((d) => d.close()));
    },
  };
}

function memoryNet(clock: TestClock | undefined): DemoNet {
  const network = createMemoryNetwork({ seed: "lethe-demo", ...(clock ? { clock } : {}) });
  return {
    label: "an in-memory network",
    device: (name) => network.device(name),
    idle: () => network.idle(),
    close: async () => undefined,
  };
}

/** Resolves when `pred` holds on the engine's state, or false after `ms` of real time. */
const until = (e: SyncEngine, pred: (s: EngineState) => boolean, ms = 10_000): Promise<boolean> =>
  new Promise((resolve) => {
    let done = false;
    const finish = (v: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      queueMicrotask(() => sub.unsubscribe());
      resolve(v);
    };
    const timer = setTimeout(() => finish(false), ms);
    const sub = e.state$.subscribe({ next: (s) => pred(s) && finish(true), complete: () => finish(pred(e.snapshot())) });
  });

/** Resolves when map `prefs` on `e` holds `value` at `key`, or false after `ms`. */
const seen = (e: SyncEngine, key: string, value: unknown, ms = 10_000): Promise<boolean> =>
  new Promise((resolve) => {
    const m = e.doc.getMap("prefs");
    if (m.get(key) === value) return resolve(true);
    const f = () => {
      if (m.get(key) !== value) return;
      m.unobserve(f);
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      m.unobserve(f);
      resolve(false);
    }, ms);
    m.observe(f);
  });

export async function runDemo(argv: string[], io: DemoIo = { out: (l) => process.stdout.write(l + "\n") }): Promise<number> {
  const fast = argv.includes("--fast");
  const stay = argv.includes("--stay");
  const out = io.out;
  const pause = (ms: number) => (fast ? Promise.resolve() : new Promise<void>((r) => setTimeout(r, ms)));
  const memory = argv.includes("--memory");
  const clock = stay ? undefined : new TestClock();
  const network = memory ? memoryNet(clock) : await realNet(argv.includes("--mdns"));
  // See the docblock: on sockets the simulated clock outruns real round trips.
  const timings = memory || stay ? {} : { timings: { peerGoneMs: 3_600_000 } };
  const make = (name: string): SyncEngine =>
    createSyncEngine({ ...network.device(name), aead: nodeAead, ...timings, ...(clock ? { clock } : {}) });
  const laptop = make("laptop");
  const phone = make("phone");
  const failures: string[] = [];
  const check = (ok: boolean, what: string) => {
    out(`${ok ? "  ok " : "  FAIL"} ${what}`);
    if (!ok) failures.push(what);
  };
  const view = () => {
    out(viewLine("laptop", laptop.snapshot()));
    out(viewLine("phone", phone.snapshot()));
  };
  const step = async (ms: number) => {
    if (clock) clock.advance(ms);
    await network.idle();
  };
  for (const [n, e] of [["laptop", laptop], ["phone", phone]] as const) {
    e.events$.subscribe((ev) => {
      if (ev.type === "error") out(`  [${n}] error ${ev.name} (${ev.source}) x${ev.count}`);
      else if (ev.type !== "presence") out(`  [${n}] ${ev.type}${"reason" in ev ? ` ${ev.reason}` : ""}${"epoch" in ev ? ` -> epoch ${ev.epoch}` : ""}${"words" in ev ? `: ${ev.words.join(" ")}` : ""}`);
    });
  }

  out(`Lethe demo: two devices, one process, ${network.label}. Nothing is stored.`);
  const { code } = await laptop.host();
  out(`\nlaptop shows the code:   ${code}\nphone types it in ...\n`);
  await pause(600);
  try {
    await phone.join(code);
  } catch (e) {
    out(`join failed: ${(e as Error).name}`);
    await laptop.end();
    await network.close();
    return EXIT.session;
  }
  await until(laptop, (s) => s.status === "connected");
  await network.idle();
  view();
  check(laptop.snapshot().status === "connected" && phone.snapshot().status === "connected", "both devices connected");
  // The person compares these on both screens: different words mean someone is in the middle.
  const words = (e: SyncEngine) => e.verification?.join(" ") ?? "(none)";
  out(`\nverification words, to compare on both devices:\n  laptop: ${words(laptop)}\n  phone:  ${words(phone)}`);
  check(laptop.verification !== null && words(laptop) === words(phone), "both devices show the same four verification words");

  out("\nsyncing preferences:");
  const prefs = [
    ["laptop", "theme", "dark"],
    ["phone", "language", "de"],
    ["laptop", "fontSize", 14],
    ["phone", "theme", "solarized"],
  ] as const;
  for (const [who, key, value] of prefs) {
    const e = who === "laptop" ? laptop : phone;
    e.setPresence(`editing ${key}`);
    e.doc.getMap("prefs").set(key, value);
    await seen(who === "laptop" ? phone : laptop, key, value);
    await step(5_000);
    out(`  ${who} sets ${key} = ${JSON.stringify(value)}   -> laptop ${JSON.stringify(laptop.doc.getMap("prefs").toJSON())}  phone ${JSON.stringify(phone.doc.getMap("prefs").toJSON())}`);
    await pause(400);
  }
  check(JSON.stringify(laptop.doc.getMap("prefs").toJSON()) === JSON.stringify(phone.doc.getMap("prefs").toJSON()), "both docs are equal");

  out("\nrotating keys now (normally every 30 min):");
  laptop.rotateNow();
  await step(1_000);
  await until(laptop, (s) => s.epoch === 1);
  await until(phone, (s) => s.epoch === 1);
  view();
  check(laptop.snapshot().epoch === 1 && phone.snapshot().epoch === 1, "both on epoch 1");

  if (stay) {
    out("\n--stay: the session stays open (real time); an edit every 60 s keeps it alive. Ctrl-C ends it.");
    const timer = setInterval(() => {
      laptop.doc.getMap("prefs").set("heartbeat", new Date().toISOString());
      view();
    }, 60_000);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      laptop.ended.then(() => resolve());
    });
    clearInterval(timer);
    await laptop.end();
    await phone.ended;
    await network.close();
    view();
    return 0;
  }

  out("\nnobody touches anything now; the dead-man's switch counts down:");
  const keyBuffers = [...probeEngine(laptop).secretBuffers(), ...probeEngine(phone).secretBuffers()];
  for (let t = 0; t < 12 && laptop.snapshot().status !== "ended"; t++) {
    await step(15_000);
    view();
    await pause(300);
  }
  await Promise.race([Promise.all([laptop.ended, phone.ended]), until(phone, (s) => s.status === "ended")]);
  await network.idle();
  await network.close();
  out("\nthe session ended by itself. What is left:");
  view();
  check(laptop.snapshot().endReason === "inactivity" && phone.snapshot().endReason === "inactivity", "ended by inactivity on both devices");
  check(keyBuffers.length > 0 && keyBuffers.every((b) => b.every((x) => x === 0)), `all ${keyBuffers.length} key buffers are zero`);
  check(laptop.doc.isDestroyed && phone.doc.isDestroyed && laptop.doc.getMap("prefs").size === 0, "both docs destroyed and empty");
  check(laptop.awareness.getStates().size === 0 && phone.awareness.getStates().size === 0, "awareness cleared");
  check(probeEngine(laptop).liveResources().length === 0 && probeEngine(phone).liveResources().length === 0, "no live subscriptions, timers or channels");
  out(failures.length === 0 ? "\ndemo complete: everything was forgotten." : `\ndemo FAILED: ${failures.join("; ")}`);
  return failures.length === 0 ? EXIT.ok : EXIT.session;
}

// Run directly (`tsx src/cli/demo.ts [--fast] [--stay]`): exit with the demo's code.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runDemo(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`demo crashed: ${e instanceof Error ? e.name : String(e)}\n`);
      process.exit(1);
    },
  );
}
