/**
 * One exit-code convention for every `lethe` subcommand (docs/api.md "Command line"):
 *
 *   0  done what was asked
 *   1  an internal error (a bug: something threw that we did not expect)
 *   2  bad input: an unknown command or option, a bad value, an unreadable or invalid file,
 *      a pairing code that does not parse (bad format, unknown or swapped words)
 *   3  the session did not succeed: nobody waits at the code's nameplate, the codes differ,
 *      pairing timed out, the peer vanished, or the session ended other than as asked
 *   4  a service could not be reached or started: the relay is unreachable, a port is taken,
 *      Redis does not answer, or an optional Node package it needs (werift, ws, bonjour-service,
 *      ioredis) is not installed (MissingDependencyError names it and the install command)
 *
 * The classification goes by error class, never by message text.
 */
import { CodeFormatError, WrongCodeError } from "../adapters/crypto/errors.js";
import { DiscoveryError } from "../adapters/discovery/types.js";
import { NameplateCrowdedError, NameplateNotFoundError, SignalingError } from "../adapters/signaling/types.js";
import { SessionEndedError } from "../runtime/errors.js";
import { MissingDependencyError } from "../optional-dependency.js";

export const EXIT = Object.freeze({ ok: 0, internal: 1, usage: 2, session: 3, unavailable: 4 });

/** Names of usage errors defined by the CLI modules themselves (kept apart to avoid loading them). */
const USAGE_ERRORS = new Set(["DeviceUsageError", "EditsFileError", "RelayCliError", "CodeInputError"]);
/**
 * Also by name: `lethe relay` runs from its own bundle (scripts/bundle-relay.ts), whose copy of
 * MissingDependencyError is not this module's class.
 */
const UNAVAILABLE_ERRORS = new Set(["MissingDependencyError"]);
/** Socket errors that mean "could not start or reach a service". */
const UNAVAILABLE_CODES = new Set(["EADDRINUSE", "EADDRNOTAVAIL", "EACCES", "ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "ENOTFOUND"]);

export function exitCodeFor(error: unknown): number {
  if (!(error instanceof Error)) return EXIT.internal;
  if (error instanceof CodeFormatError || USAGE_ERRORS.has(error.name)) return EXIT.usage;
  if (error instanceof NameplateNotFoundError || error instanceof NameplateCrowdedError || error instanceof WrongCodeError || error instanceof SessionEndedError) {
    return EXIT.session;
  }
  if (error instanceof SignalingError || error instanceof DiscoveryError || error instanceof MissingDependencyError || UNAVAILABLE_ERRORS.has(error.name)) return EXIT.unavailable;
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && UNAVAILABLE_CODES.has(code)) return EXIT.unavailable;
  return EXIT.internal;
}

/** The exit-code table as the CLI's help prints it. */
export const EXIT_CODES_HELP = `exit codes: 0 done · 1 internal error · 2 bad input (options, files, code text) ·
            3 the session did not succeed (unknown nameplate, wrong code, peer gone …) ·
            4 a service could not be reached or started (relay, port, Redis, a missing package)
`;
