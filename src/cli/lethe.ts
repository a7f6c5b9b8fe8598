#!/usr/bin/env node
/**
 * The `lethe` command: one binary, a subcommand per job. Each subcommand's module is loaded
 * only when asked for, so `lethe relay` never loads werift and `lethe demo` never loads ioredis.
 * Every subcommand answers `--help` and exits by one convention (exit-codes.ts, docs/api.md "Command line").
 */
import { existsSync, readFileSync } from "node:fs";
import { EXIT, EXIT_CODES_HELP, exitCodeFor } from "./exit-codes.js";

const USAGE = `usage: lethe <command> [options]        lethe --version | --help | <command> --help

commands:
  demo [--stay] [--memory] [--mdns]   two devices in one process pair (LAN signaling) and sync
                                      over werift on loopback (npm start); --memory: memory network;
                                      --mdns: real multicast mDNS on this machine's network
  relay --port 8787 [--host 127.0.0.1] [--redis redis://127.0.0.1:6379]
                                      run the opaque signaling relay
  device --host | --join [--verify] [--edits FILE] [--interface ADDR] [--relay URL] [--peer-gone-ms N] [--stay]
                                      run one device: LAN (mDNS) or relay signaling, werift channel;
                                      --join prompts for the code (or reads it from stdin); prints
                                      the verification words; --verify: sync after a yes on both

${EXIT_CODES_HELP}`;

/** The package's version (package.json sits two levels up from src/cli and from dist/cli). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/**
 * `lethe relay` from dist runs the bundle built beside this file (scripts/bundle-relay.ts: one
 * file, effect tree-shaken, ~10 MB less heap than the same modules loaded one by one); from the
 * sources (tsx, the tests) there is no bundle and the module itself is loaded.
 */
async function loadRelayCli(): Promise<typeof import("../relay/cli.js")> {
  const bundle = new URL("./relay.mjs", import.meta.url);
  if (existsSync(bundle)) return (await import(bundle.href)) as typeof import("../relay/cli.js");
  return import("../relay/cli.js");
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "demo": {
      const { runDemo, DEMO_USAGE } = await import("./demo.js");
      if (rest.includes("--help") || rest.includes("-h")) {
        process.stdout.write(DEMO_USAGE);
        return EXIT.ok;
      }
      return runDemo(rest);
    }
    case "relay": {
      const { runRelayCli } = await loadRelayCli();
      await runRelayCli(rest);
      return EXIT.ok;
    }
    case "device": {
      const { runDevice } = await import("./device.js");
      // A device is one session: exit when it ends, whatever sockets werift/mDNS still linger on.
      process.exit(await runDevice(rest));
    }
    case "--version":
    case "-v":
    case "version":
      process.stdout.write(`lethe ${version()}\n`);
      return EXIT.ok;
    case undefined:
    case "-h":
    case "--help":
    case "help":
      process.stdout.write(USAGE);
      return command === undefined ? EXIT.usage : EXIT.ok;
    default:
      process.stderr.write(`lethe: unknown command "${command}"\n\n${USAGE}`);
      return EXIT.usage;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`lethe: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    process.exitCode = exitCodeFor(error);
  },
);
