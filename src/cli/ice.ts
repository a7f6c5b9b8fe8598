/**
 * `lethe device` ICE options: `--ice URL` (repeatable; stun:, stuns:, turn:, turns:) with
 * `--ice-username U --ice-credential C` for the TURN URLs. The credential is kept only in the
 * transport's configuration: it is never printed, logged, or put in engine state, and a usage
 * error names the option, never its value.
 *
 * Also the `path:` line the CLI prints when a channel opens and whenever its path changes (the
 * engine's `path` event): the selected ICE candidate pair's types (host / srflx / prflx / relay,
 * local and remote), protocol and route — no addresses — so a user (and the net-lab tests) can
 * tell "direct" from "via TURN".
 */
import type { PathRoute } from "../adapters/transport/path.js";
import type { SelectedPath } from "../adapters/transport/types.js";
import { LetheError } from "../errors.js";

export interface IceServerArg {
  readonly urls: string;
  readonly username?: string;
  readonly credential?: string;
}

export class IceArgError extends LetheError {
  override readonly name = "IceArgError";
}

const ICE_URL = /^(stuns?|turns?):[A-Za-z0-9.\-[\]:]+(\?transport=(udp|tcp))?$/;

/** ICE servers from the `--ice` URLs and the TURN credentials; IceArgError says what is wrong. */
export function iceServersFrom(urls: readonly string[], username?: string, credential?: string): IceServerArg[] {
  const turn = urls.some((u) => u.startsWith("turn"));
  if ((username !== undefined || credential !== undefined) && !turn) {
    throw new IceArgError("--ice-username/--ice-credential need a turn: or turns: --ice URL");
  }
  if (turn && (username === undefined || credential === undefined)) {
    throw new IceArgError("a turn: --ice URL needs --ice-username and --ice-credential");
  }
  return urls.map((u) => {
    if (!ICE_URL.test(u)) throw new IceArgError("--ice must be a stun:, stuns:, turn: or turns: URL (host[:port][?transport=udp|tcp])");
    return u.startsWith("turn") ? { urls: u, username: username!, credential: credential! } : { urls: u };
  });
}

/**
 * The `path:` line: the selected pair's candidate types and protocol and, in a word, whether a
 * TURN server carries it — no addresses (the line may be shared).
 */
export function formatPath(p: SelectedPath, route: PathRoute): string {
  return p.kind === "ice" ? `path: local=${p.local} remote=${p.remote} protocol=${p.protocol} route=${route}` : `path: ${p.kind}`;
}
