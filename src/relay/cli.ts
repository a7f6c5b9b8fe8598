/**
 * `lethe relay`: run the relay from the command line.
 *   lethe relay --port 8787 [--host 127.0.0.1] [--backlog 4096] [--redis redis://127.0.0.1:6379]
 *               [--redis-prefix lethe:] [--quiet] [--limits '{"maxConnectionsPerAddress":64}']
 *               [--ttl 60] [--trust-proxy ADDR[,ADDR]]
 *               [--turn-url turn:HOST:3478 [--turn-url …] --turn-secret-file FILE [--turn-ttl S]]
 * Prints `listening on ws://HOST:PORT` on stdout when ready; logs (JSON lines) go to stderr.
 * SIGTERM or SIGINT shut down gracefully; the returned promise resolves once stopped.
 * `--help` prints the usage. Bad arguments throw RelayCliError (the `lethe` command exits 2);
 * a port that cannot be taken exits 4 (src/cli/exit-codes.ts).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import * as Result from "effect/Result";
import * as Schema from "effect/Schema";
import { LetheError } from "../errors.js";
import { DEFAULT_LISTEN_BACKLOG, defaultLimits, type RelayLimits } from "./options.js";
import { TrustProxyError } from "./address.js";
import { createRelayServer } from "./server.js";
import { DEFAULT_TURN_TTL_SECONDS, TurnConfigError, type TurnOptions } from "./turn.js";

export class RelayCliError extends LetheError {
  override readonly name = "RelayCliError";
}

const Positive = Schema.Number.check(Schema.isGreaterThan(0));
const LimitsJson = Schema.Struct(
  Object.fromEntries(Object.keys(defaultLimits).map((k) => [k, Schema.optionalKey(Positive)])) as {
    [K in keyof RelayLimits]: Schema.optionalKey<typeof Positive>;
  },
);

export const RELAY_USAGE = `usage: lethe relay [--port 8787] [--host 127.0.0.1] [options]
  --port N             TCP port (default 8787; 0 = any free port)
  --host ADDR          address to listen on (default 127.0.0.1)
  --backlog N          connections the kernel queues while the relay is busy, 1..65535 (default 4096; capped by net.core.somaxconn)
  --redis URL          keep mailboxes in Redis (redis://…) so several relays serve one population
  --redis-prefix P     key prefix in Redis (default lethe:)
  --ttl S              seconds a blob is held for an absent recipient, 1..60 (default 60)
  --limits JSON        override budgets, e.g. '{"maxConnectionsPerAddress":64}' (docs/relay.md "Limits")
  --trust-proxy ADDR[,ADDR]
                       proxies (addresses or CIDR blocks) whose Forwarded / X-Forwarded-For name the client
  --turn-url URL       turn:/turns: URL of a TURN server (repeatable); the relay mints its credentials
  --turn-secret-file F the secret shared with that TURN server (coturn's static-auth-secret)
  --turn-ttl S         seconds a minted TURN credential is valid, 60..86400 (default 14400)
  --quiet              no logs
exit codes: 0 stopped on SIGTERM/SIGINT · 2 bad arguments · 4 cannot listen or reach Redis · 1 internal error
`;

function int(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new RelayCliError(`--${name} must be an integer in ${min}..${max}`);
  return n;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      backlog: { type: "string" },
      redis: { type: "string" },
      "redis-prefix": { type: "string" },
      limits: { type: "string" },
      ttl: { type: "string" },
      quiet: { type: "boolean" },
      "trust-proxy": { type: "string" },
      "turn-url": { type: "string", multiple: true },
      "turn-secret-file": { type: "string" },
      "turn-ttl": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
}

export async function runRelayCli(argv: string[]): Promise<void> {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(argv).values;
  } catch (e) {
    throw new RelayCliError(e instanceof Error ? e.message : "bad arguments");
  }
  if (values.help) {
    process.stdout.write(RELAY_USAGE);
    return;
  }
  let limits: Partial<RelayLimits> = {};
  if (values.limits !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(values.limits);
    } catch {
      throw new RelayCliError("--limits must be a JSON object");
    }
    const r = Schema.decodeUnknownResult(LimitsJson)(parsed, { onExcessProperty: "error" });
    if (Result.isFailure(r)) throw new RelayCliError(`--limits: ${r.failure.message}`);
    limits = r.success as Partial<RelayLimits>;
  }
  const turnUrls = values["turn-url"] ?? [];
  if ((turnUrls.length > 0) !== (values["turn-secret-file"] !== undefined)) {
    throw new RelayCliError("--turn-url and --turn-secret-file go together");
  }
  let turn: TurnOptions | undefined;
  if (values["turn-secret-file"] !== undefined) {
    let secret: Buffer;
    try {
      // The file holds coturn's static-auth-secret; surrounding whitespace is not part of it.
      secret = Buffer.from(readFileSync(values["turn-secret-file"], "utf8").trim(), "utf8");
    } catch {
      throw new RelayCliError("--turn-secret-file: cannot read the file");
    }
    turn = { urls: turnUrls, secret, ttlSeconds: int("turn-ttl", values["turn-ttl"], DEFAULT_TURN_TTL_SECONDS, 60, 86_400) };
  }
  const trustProxy = values["trust-proxy"]?.split(",").map((s) => s.trim()).filter(Boolean);
  if (values["trust-proxy"] !== undefined && trustProxy!.length === 0) throw new RelayCliError("--trust-proxy needs ADDR[,ADDR] (the proxies' addresses or CIDR blocks)");
  const create = () => createRelayServer({
    host: values.host ?? "127.0.0.1",
    port: int("port", values.port, 8787, 0, 65535),
    backlog: int("backlog", values.backlog, DEFAULT_LISTEN_BACKLOG, 1, 65535),
    ...(values.redis !== undefined ? { redis: values.redis } : {}),
    ...(values["redis-prefix"] !== undefined ? { redisPrefix: values["redis-prefix"] } : {}),
    ...(values.ttl !== undefined ? { timings: { ttlSeconds: int("ttl", values.ttl, 60, 1, 60) } } : {}),
    limits,
    ...(values.quiet ? { log: false as const } : {}),
    ...(trustProxy ? { trustProxy } : {}),
    ...(turn ? { turn } : {}),
  });
  let server: ReturnType<typeof createRelayServer>;
  try {
    server = create();
  } catch (e) {
    if (e instanceof TrustProxyError || e instanceof TurnConfigError) throw new RelayCliError(e.message);
    throw e;
  }
  const { url } = await server.start();
  process.stdout.write(`listening on ${url}\n`);
  await new Promise<void>((resolve) => {
    const onSignal = () => {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      resolve();
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
  await server.stop();
}
