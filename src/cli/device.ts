/**
 * `lethe device`: one real device as its own OS process. `--host` prints `code: <code>` as soon
 * as it has one; `--join CODE` joins it. Signaling is the LAN (mDNS discovery + the host's
 * WebSocket) unless `--relay ws://…` names a relay; the sync channel is werift. Each side applies
 * its scripted edits (`--edits FILE`), then reports `done <doc hash>` in its presence; when the
 * host has applied its own edits and sees the joiner report the same hash as its own doc, both
 * have converged and the host ends the session. Each prints `doc-hash: <hex>` (sha256 of the
 * doc's canonical JSON, keys sorted) and exits 0. If the peer vanishes, the liveness timeout
 * ends the session with `peerGone`, the wipe is shown, and the exit code is 3.
 *
 * The code stays out of argv: `--join` alone prompts on a terminal (Tab completes the words) or
 * reads the first line of stdin; `--join CODE` still works and warns that other local users can
 * read it.
 *
 * Verification: once paired, both print `verify: w1 w2 w3 w4` (the same four words unless someone
 * is in the middle). With `--verify` (strict mode) no document data flows until the person said
 * yes on both devices: a terminal asks (stderr); a piped stdin gives the answer as its next line
 * (after the code, if the code came that way too), `yes`/`y` confirms, anything else or the end
 * of input rejects. A no ends the session (`ended: verificationRejected`, exit 3); the other
 * device ends with `peerEnded`. A code that does not parse exits 2 before any socket opens; an unknown nameplate or a
 * wrong code exits 3, an unreachable relay 4, at once (src/cli/exit-codes.ts, docs/api.md "Command line").
 *
 * Exit codes: 0 converged (or ended by Ctrl-C / the peer ending after convergence), 2 bad
 * arguments, edits file or code text, 3 the session did not succeed (unknown nameplate,
 * wrongCode, verification rejected here or there, peerGone, timeout …), 4 the relay could not be
 * reached.
 */
import { readFile } from "node:fs/promises";
import { isIP } from "node:net";
import { first } from "rxjs";
import type { Readable, Writable } from "node:stream";
import { LetheError } from "../errors.js";
import { parseCode } from "../adapters/crypto/code.js";
import type { Signaling } from "../adapters/signaling/types.js";
import type { AdapterOption } from "../runtime/types.js";
import { importOptional } from "../optional-dependency.js";
import type { Discovery } from "../adapters/discovery/types.js";
import { createSyncEngine } from "../runtime/node.js";
import type { EngineTimings, SyncEngine } from "../runtime/types.js";
import { probeEngine } from "../testing/index.js";
import { readCode } from "./code-prompt.js";
import { pipedLines, type LineInput } from "./line-input.js";
import { askWordsMatch, type VerifyPrompt } from "./verify-prompt.js";
import { EXIT, EXIT_CODES_HELP, exitCodeFor } from "./exit-codes.js";
import { formatPath, iceServersFrom, type IceServerArg } from "./ice.js";
import { docHash, EditsFileError, parseEdits, type DeviceEdit } from "./device-doc.js";

export class DeviceUsageError extends LetheError {
  override readonly name = "DeviceUsageError";
}

export const DEVICE_USAGE = `usage: lethe device (--host | --join) [options]
  --join               type the code at the prompt (Tab completes words), or pipe it on stdin;
                       --join CODE also works, but other local users can read a process's arguments
  --edits FILE         JSON list of edits to apply: [{"map":"prefs","key":"theme","value":"dark"}]
  --interface ADDR     pin mDNS and ICE to this local IPv4 address (e.g. 127.0.0.1 in a namespace)
  --relay URL          signal through this relay (ws://… or wss://…) instead of the LAN
  --ice URL            a STUN/TURN server (stun:HOST[:PORT], turn:HOST[:PORT][?transport=udp|tcp]); repeatable
  --ice-username U     TURN username (for the turn: URLs)
  --ice-credential C   TURN credential (never printed or logged)
  --peer-gone-ms N     end with peerGone after N ms without a frame from the peer (default 45000)
  --verify             strict verification: sync only after the person confirmed the printed words
                       on both devices (asked on the terminal, or the next line of stdin: yes/no)
  --stay               do not end after converging (Ctrl-C ends and wipes)
  --name NAME          the name shown to the other device (default: host / join)
${EXIT_CODES_HELP}`;

export interface DeviceArgs {
  readonly role: "host" | "join";
  readonly code?: string;
  readonly editsFile?: string;
  readonly iface?: string;
  readonly relay?: string;
  readonly peerGoneMs?: number;
  readonly stay: boolean;
  readonly verify: boolean;
  readonly name?: string;
  readonly iceServers: readonly IceServerArg[];
}

export function parseDeviceArgs(argv: readonly string[]): DeviceArgs {
  let role: "host" | "join" | undefined;
  const o: { code?: string; editsFile?: string; iface?: string; relay?: string; peerGoneMs?: number; name?: string } = {};
  let stay = false;
  const ice: { urls: string[]; username?: string; credential?: string } = { urls: [] };
  let verify = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new DeviceUsageError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case "--host":
        if (role !== undefined) throw new DeviceUsageError("give one of --host or --join");
        role = "host";
        break;
      case "--join": {
        if (role !== undefined) throw new DeviceUsageError("give one of --host or --join");
        role = "join";
        // The code is optional here: without it, it is read from the terminal or stdin.
        const next = argv[i + 1];
        if (next !== undefined && !next.startsWith("--")) o.code = argv[++i]!;
        break;
      }
      case "--edits":
        o.editsFile = value();
        break;
      case "--interface": {
        const v = value();
        if (isIP(v) !== 4) throw new DeviceUsageError("--interface must be an IPv4 address");
        o.iface = v;
        break;
      }
      case "--relay": {
        const v = value();
        if (!/^wss?:\/\/\S+$/.test(v)) throw new DeviceUsageError("--relay must be a ws:// or wss:// URL");
        o.relay = v;
        break;
      }
      case "--peer-gone-ms": {
        const v = Number(value());
        if (!Number.isInteger(v) || v < 500 || v > 3_600_000) throw new DeviceUsageError("--peer-gone-ms must be an integer in 500..3600000");
        o.peerGoneMs = v;
        break;
      }
      case "--name":
        o.name = value();
        break;
      case "--stay":
        stay = true;
        break;
      case "--ice":
        ice.urls.push(value());
        break;
      case "--ice-username":
        ice.username = value();
        break;
      case "--ice-credential":
        ice.credential = value();
        break;
      case "--verify":
        verify = true;
        break;
      default:
        throw new DeviceUsageError(`unknown option ${JSON.stringify(a)}`);
    }
  }
  if (role === undefined) throw new DeviceUsageError("give --host or --join");
  let iceServers: IceServerArg[];
  try {
    iceServers = iceServersFrom(ice.urls, ice.username, ice.credential);
  } catch (e) {
    throw new DeviceUsageError((e as Error).message);
  }
  return { role, stay, verify, ...o, iceServers };
}

export interface DeviceIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Where `--join` without a code reads it (default process.stdin; a TTY gets a prompt). */
  readonly input?: Readable & { readonly isTTY?: boolean };
  /** Where the prompt goes (default process.stderr). */
  readonly prompt?: Writable;
}
const stdio: DeviceIo = {
  out: (l) => process.stdout.write(l + "\n"),
  err: (l) => process.stderr.write(l + "\n"),
};

export const ARGV_CODE_WARNING =
  "warning: a code given as an argument is visible to other users of this machine (ps, /proc); " +
  "run `lethe device --join` to type it, or pipe it on stdin";

/** Runs one device to the end of its session; resolves with the exit code. */
export async function runDevice(argv: readonly string[], io: DeviceIo = stdio): Promise<number> {
  let args: DeviceArgs;
  let edits: readonly DeviceEdit[] = [];
  if (argv.includes("--help") || argv.includes("-h")) {
    io.out(DEVICE_USAGE);
    return 0;
  }
  try {
    args = parseDeviceArgs(argv);
    if (args.editsFile !== undefined) {
      let text: string;
      try {
        text = await readFile(args.editsFile, "utf8");
      } catch (e) {
        throw new EditsFileError(`cannot read edits file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      edits = parseEdits(text);
    }
  } catch (e) {
    if (e instanceof DeviceUsageError || e instanceof EditsFileError) {
      io.err(`lethe device: ${e.name}: ${e.message}`);
      if (e instanceof DeviceUsageError) io.err(DEVICE_USAGE);
      return EXIT.usage;
    }
    throw e;
  }

  // Piped stdin is read by one reader for the whole run: the code (line 1, if not in argv), then
  // the answer to the verification question (the next line). A terminal gets prompts instead.
  const input = io.input ?? process.stdin;
  const prompt = io.prompt ?? process.stderr;
  let piped: LineInput | undefined;
  const lines = () => (piped ??= pipedLines(input));

  // The code: from the terminal or stdin unless given (with a warning) in argv. Checked here,
  // before any socket opens, so a typo exits 2 at once with the "did you mean" list.
  let code: string | undefined;
  if (args.role === "join") {
    try {
      if (args.code !== undefined) io.err(`lethe device: ${ARGV_CODE_WARNING}`);
      code = args.code ?? (await readCode({ input, output: prompt, ...(input.isTTY === true ? {} : { lines: lines() }) }));
      parseCode(code).password.fill(0);
    } catch (e) {
      io.err(`lethe device: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      piped?.close();
      return exitCodeFor(e);
    }
  }

  // Adapters are loaded only now: `lethe device --relay` never loads bonjour-service. The Node
  // packages they need are optional peers of lethe-sync: a missing one is a MissingDependencyError
  // naming it and its install command, before any socket opens.
  await importOptional("werift", () => import("werift"));
  await importOptional("ws", () => import("ws"));
  if (args.relay === undefined) await importOptional("bonjour-service", () => import("bonjour-service"));
  const { weriftTransport } = await import("../adapters/transport/werift/index.js");
  const loopback = args.iface?.startsWith("127.") ?? false;
  const transport = weriftTransport({
    iceServers: args.iceServers,
    ...(args.iface !== undefined ? { interfaceAddress: args.iface, loopbackOnly: loopback } : {}),
  });
  let signaling: AdapterOption<Signaling>;
  let discovery: Discovery | undefined;
  if (args.relay !== undefined) {
    const { relaySignaling } = await import("../adapters/signaling/relay/index.js");
    signaling = relaySignaling({ url: args.relay });
  } else {
    const { lanSignaling, mdnsDiscovery } = await import("../adapters/discovery/mdns/index.js");
    discovery = mdnsDiscovery(args.iface !== undefined ? { interface: args.iface } : {})();
    signaling = lanSignaling({ discovery, ...(args.iface !== undefined ? { interface: args.iface } : {}) });
  }
  const timings: Partial<EngineTimings> = args.peerGoneMs !== undefined
    ? { peerGoneMs: args.peerGoneMs, pingIntervalMs: Math.max(100, Math.floor(args.peerGoneMs / 3)) }
    : {};
  const engine = createSyncEngine({ signaling, transport, deviceName: args.name ?? args.role, timings, verify: args.verify });
  const ask = () => askWordsMatch({ input, output: prompt, lines });
  return await session(engine, args, code, edits, io, ask).finally(async () => {
    piped?.close();
    await discovery?.close().catch(() => undefined); // the process is about to exit: nothing left to tell
  });
}

/**
 * The words, once paired; with --verify, the person's answer: yes confirms (sync starts once the
 * other device confirmed too, printed as `verified`), no rejects (the session ends and wipes).
 */
function verification(engine: SyncEngine, args: DeviceArgs, io: DeviceIo, ask: () => VerifyPrompt): void {
  let question: VerifyPrompt | undefined;
  engine.events$.subscribe((ev) => {
    if (ev.type === "verification") {
      io.out(`verify: ${ev.words.join(" ")}`);
      if (!args.verify) return;
      question = ask();
      void question.answer.then((yes) => {
        if (engine.snapshot().status === "ended") return;
        io.out(`verify: ${yes ? "confirmed" : "rejected"}`);
        if (yes) engine.confirmVerification();
        else void engine.rejectVerification();
      });
    } else if (ev.type === "ended") question?.cancel(); // e.g. the other device said no first
  });
  if (args.verify) {
    engine.state$.pipe(first((s) => s.syncing, null)).subscribe((s) => s !== null && io.out("verified: both devices confirmed the words"));
  }
}

async function session(engine: SyncEngine, args: DeviceArgs, code: string | undefined, edits: readonly DeviceEdit[], io: DeviceIo, ask: () => VerifyPrompt): Promise<number> {
  const { out } = io;
  engine.events$.subscribe((ev) => {
    if (ev.type === "connected") out(`connected: ${ev.channelId}`);
    else if (ev.type === "path") out(formatPath(ev.path, ev.route));
    else if (ev.type === "disconnected") out(`disconnected: ${ev.reason}`);
    else if (ev.type === "paired") out("paired");
    else if (ev.type === "error") io.err(`error: ${ev.name} (${ev.source}) x${ev.count}${ev.fatal ? " fatal" : ""}${ev.hint !== undefined ? `: ${ev.hint}` : ""}`);
  });
  verification(engine, args, io, ask);

  // The scripted edits go in before pairing: the first sync carries them.
  engine.doc.transact(() => {
    for (const e of edits) engine.doc.getMap(e.map).set(e.key, e.value);
  });
  let hash = docHash(engine.doc);
  let converged = false;
  let peerDone = false;
  const report = () => {
    if (engine.snapshot().status === "ended") return;
    hash = docHash(engine.doc);
    engine.setPresence(`done ${hash}`);
    check();
  };
  // The host ends once the joiner reports a hash equal to its own (both have all edits).
  const check = () => {
    if (converged || engine.snapshot().status !== "connected") return;
    const peer = engine.snapshot().peers.find((p) => p.doing.startsWith("done "));
    if (peer === undefined) return;
    peerDone = true;
    if (peer.doing !== `done ${hash}`) return;
    converged = true;
    out(`doc-hash: ${hash}`);
    if (args.role === "host" && !args.stay) void engine.end();
  };
  engine.doc.on("update", () => report());
  engine.events$.subscribe((ev) => {
    if (ev.type === "connected") report();
    else if (ev.type === "presence") check();
  });

  const onSigint = () => void engine.end();
  process.once("SIGINT", onSigint);
  // The wipe proof printed at the end: every key buffer that existed, zero afterwards.
  const probe = probeEngine(engine);
  const keyBuffers = [...probe.secretBuffers()];
  const unwatch = probe.watchSecrets((bufs) => keyBuffers.push(...bufs.filter((b) => !keyBuffers.includes(b))));
  let failure: unknown;
  try {
    if (args.role === "host") {
      const hosted = await engine.host();
      out(`code: ${hosted.code}`);
    } else {
      await engine.join(code!);
    }
  } catch (e) {
    // Pairing never got going (unknown nameplate, unreachable relay) or failed (wrong code):
    // say why, end (and wipe) now, and exit with that failure's code.
    io.err(`lethe device: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    failure = e;
    await engine.end();
  }
  const reason = await engine.ended;
  unwatch();
  process.off("SIGINT", onSigint);
  // The joiner learns of convergence from the host's end: its last hash matched the host's.
  if (!converged && reason === "peerEnded" && peerDone) {
    converged = true;
    out(`doc-hash: ${hash}`);
  }
  out(`ended: ${reason}`);
  const zero = keyBuffers.every((b) => b.every((x) => x === 0));
  out(`wiped: ${keyBuffers.length} key buffers ${zero ? "zeroed" : "NOT zeroed"}, doc ${engine.doc.isDestroyed ? "destroyed" : "NOT destroyed"}`);
  const clean = zero && engine.doc.isDestroyed;
  if (failure !== undefined) {
    const exit = exitCodeFor(failure);
    return exit === EXIT.internal ? EXIT.session : exit;
  }
  const ok = converged && (reason === "user" || reason === "peerEnded");
  return ok && clean ? EXIT.ok : EXIT.session;
}
