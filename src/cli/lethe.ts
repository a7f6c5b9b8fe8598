#!/usr/bin/env node
/**
 * The `lethe` command: one binary, a subcommand per job. Each subcommand's module is loaded
 * only when asked for, so `lethe relay` never loads werift and `lethe demo` never loads ioredis.
 */
const USAGE = `usage: lethe <command> [options]

commands:
  demo [--stay] [--memory] [--mdns]   two devices in one process pair (LAN signaling) and sync
                                      over werift on loopback (npm start); --memory: memory network;
                                      --mdns: real multicast mDNS on this machine's network
  relay --port 8787 [--host 127.0.0.1] [--redis redis://127.0.0.1:6379]
                                      run the opaque signaling relay
  device --host | --join CODE [--edits FILE] [--interface ADDR] [--relay URL] [--peer-gone-ms N] [--stay]
                                      run one device: LAN (mDNS) or relay signaling, werift channel
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "demo": {
      const { runDemo } = await import("./demo.js");
      return runDemo(rest);
    }
    case "relay": {
      const { runRelayCli } = await import("../relay/cli.js");
      await runRelayCli(rest);
      return 0;
    }
    case "device": {
      const { runDevice } = await import("./device.js");
      // A device is one session: exit when it ends, whatever sockets werift/mDNS still linger on.
      process.exit(await runDevice(rest));
    }
    case undefined:
    case "-h":
    case "--help":
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`lethe: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`lethe: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    process.exitCode = 1;
  },
);
