/**
 * Short-lived TURN credentials, the standard way (the "TURN REST API" that coturn implements
 * with `use-auth-secret`): username = `<expiry unix seconds>:<random id>`, credential =
 * base64(HMAC-SHA1(shared secret, username)). The TURN server checks the HMAC and the expiry
 * with the same secret, so apps never ship a static TURN password. The random id carries no
 * mailbox, nameplate or address: the TURN operator cannot link a credential to a pairing.
 */
import { createHmac, randomBytes } from "node:crypto";
import type { Clock } from "../clock.js";

export interface TurnOptions {
  /** `turn:`/`turns:` URLs handed to clients, e.g. `turn:turn.example.org:3478?transport=udp`. */
  readonly urls: readonly string[];
  /** The secret shared with the TURN server (coturn's `static-auth-secret`). */
  readonly secret: Uint8Array;
  /** How long a credential is valid. Default 4 h: a session's whole life, since TURN refreshes re-check it. */
  readonly ttlSeconds?: number;
}

export interface TurnCredentials {
  readonly urls: string[];
  readonly username: string;
  readonly credential: string;
  /** Seconds the credential stays valid. */
  readonly ttl: number;
}

export interface TurnMinter {
  mint(): TurnCredentials;
}

export class TurnConfigError extends Error {
  override readonly name = "TurnConfigError";
}

export const DEFAULT_TURN_TTL_SECONDS = 4 * 3600;

export function turnMinter(options: TurnOptions, clock: Clock): TurnMinter {
  const ttl = options.ttlSeconds ?? DEFAULT_TURN_TTL_SECONDS;
  if (options.urls.length === 0) throw new TurnConfigError("TURN: at least one turn: or turns: URL is needed");
  for (const url of options.urls) {
    if (!/^turns?:[^\s]+$/.test(url)) throw new TurnConfigError(`TURN: not a turn: or turns: URL: ${JSON.stringify(url).slice(0, 100)}`);
  }
  if (options.secret.length < 16) throw new TurnConfigError("TURN: the shared secret must be at least 16 bytes");
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > 86_400) throw new TurnConfigError("TURN: credential lifetime must be 60..86400 seconds");
  const secret = Buffer.from(options.secret);
  const urls = [...options.urls];
  return {
    mint() {
      const expiry = Math.floor(clock.now() / 1000) + ttl;
      const username = `${expiry}:${randomBytes(9).toString("base64url")}`;
      const credential = createHmac("sha1", secret).update(username).digest("base64");
      return { urls: [...urls], username, credential, ttl };
    },
  };
}
