/**
 * The demo behind `npm start`: two devices in one process on the in-memory network. The laptop
 * hosts and prints a code, the phone joins with it, both sync a few preference changes, a
 * compact live view shows each actor's state and the countdowns (inactivity, expiry, next
 * rotation), a key rotation happens, and then nobody touches anything: the dead-man's switch
 * ends the session and the view shows the wipe (keys zeroed, doc and awareness gone).
 *
 * Time runs on a simulated clock advanced in steps (a 2-minute inactivity window passes in a
 * few seconds); pacing between steps is cosmetic. Flags:
 *   --fast   no pacing (tests, CI)
 *   --stay   keep the session open: real time, an edit now and then keeps it alive; Ctrl-C ends
 *            it (and wipes)
 * Exit code 0 when every step happened as promised, 1 otherwise.
 */
import { pathToFileURL } from "node:url";
import { SimulatedClock } from "xstate";
import { createMemoryNetwork } from "../adapters/memory/index.js";
import { nodeAead } from "../adapters/crypto/node.js";
import { createSyncEngine } from "../runtime/engine.js";
import type { EngineState, SyncEngine } from "../runtime/types.js";

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

export async function runDemo(argv: string[], io: DemoIo = { out: (l) => process.stdout.write(l + "\n") }): Promise<number> {
  const fast = argv.includes("--fast");
  const stay = argv.includes("--stay");
  const out = io.out;
  const pause = (ms: number) => (fast ? Promise.resolve() : new Promise<void>((r) => setTimeout(r, ms)));
  const clock = stay ? undefined : new SimulatedClock();
  const network = createMemoryNetwork({ seed: "lethe-demo", ...(clock ? { clock } : {}) });
  const make = (name: string): SyncEngine =>
    createSyncEngine({ ...network.device(name), aead: nodeAead, ...(clock ? { clock } : {}) });
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
    if (clock) clock.increment(ms);
    await network.idle();
  };
  for (const [n, e] of [["laptop", laptop], ["phone", phone]] as const) {
    e.events$.subscribe((ev) => {
      if (ev.type === "error") out(`  [${n}] error ${ev.name} (${ev.source}) x${ev.count}`);
      else if (ev.type !== "presence") out(`  [${n}] ${ev.type}${"reason" in ev ? ` ${ev.reason}` : ""}${"epoch" in ev ? ` -> epoch ${ev.epoch}` : ""}`);
    });
  }

  out("Lethe demo: two devices, one process, an in-memory network. Nothing is stored.");
  const { code } = await laptop.host();
  out(`\nlaptop shows the code:   ${code}\nphone types it in ...\n`);
  await pause(600);
  try {
    await phone.join(code);
  } catch (e) {
    out(`join failed: ${(e as Error).name}`);
    return 1;
  }
  await network.idle();
  view();
  check(laptop.snapshot().status === "connected" && phone.snapshot().status === "connected", "both devices connected");

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
    await step(5_000);
    out(`  ${who} sets ${key} = ${JSON.stringify(value)}   -> laptop ${JSON.stringify(laptop.doc.getMap("prefs").toJSON())}  phone ${JSON.stringify(phone.doc.getMap("prefs").toJSON())}`);
    await pause(400);
  }
  check(JSON.stringify(laptop.doc.getMap("prefs").toJSON()) === JSON.stringify(phone.doc.getMap("prefs").toJSON()), "both docs are equal");

  out("\nrotating keys now (normally every 30 min):");
  laptop.rotateNow();
  await step(1_000);
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
    await network.idle();
    view();
    return 0;
  }

  out("\nnobody touches anything now; the dead-man's switch counts down:");
  const keyBuffers = [...laptop.debug.secretBuffers(), ...phone.debug.secretBuffers()];
  for (let t = 0; t < 12 && laptop.snapshot().status !== "ended"; t++) {
    await step(15_000);
    view();
    await pause(300);
  }
  await network.idle();
  out("\nthe session ended by itself. What is left:");
  view();
  check(laptop.snapshot().endReason === "inactivity" && phone.snapshot().endReason === "inactivity", "ended by inactivity on both devices");
  check(keyBuffers.length > 0 && keyBuffers.every((b) => b.every((x) => x === 0)), `all ${keyBuffers.length} key buffers are zero`);
  check(laptop.doc.isDestroyed && phone.doc.isDestroyed && laptop.doc.getMap("prefs").size === 0, "both docs destroyed and empty");
  check(laptop.awareness.getStates().size === 0 && phone.awareness.getStates().size === 0, "awareness cleared");
  check(laptop.debug.liveResources().length === 0 && phone.debug.liveResources().length === 0, "no live subscriptions, timers or channels");
  out(failures.length === 0 ? "\ndemo complete: everything was forgotten." : `\ndemo FAILED: ${failures.join("; ")}`);
  return failures.length === 0 ? 0 : 1;
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
