/**
 * `lethe-sync/adapters/relay`: the Signaling adapter over the opaque relay (docs/relay.md).
 *
 *   createSyncEngine({ transport, signaling: relaySignaling({ url: "wss://relay.example.org" }) });
 *   const alone = relaySignaling({ url })();   // made on its own: the wall clock, the platform CSPRNG
 *
 * host() claims a nameplate, join(nameplate) takes it, mailbox(id, side) opens a private
 * mailbox for re-signaling. One WebSocket carries every session; if it drops, the adapter
 * reconnects with backoff and re-opens the sessions' mailboxes (a hosted nameplate that nobody
 * had joined yet is released by the relay when the connection drops and cannot be resumed).
 * Blobs are opaque bytes: the adapter moves them and never looks into them.
 *
 * `relaySignaling(init)` returns a factory of the engine's components: request timeouts, pings and
 * the reconnect backoff run on `components.clock` (the wall clock's timers unref'd, so a reconnect
 * loop never holds a Node process open), and the backoff's jitter comes from `components.random`.
 * Without a global WebSocket (Node) it loads the optional `ws` package (MissingDependencyError
 * when it is not installed).
 */
import { Observable, Subject } from "rxjs";
import { backgroundClock } from "../../../clock.js";
import { importOptional } from "../../../optional-dependency.js";
import { defaultComponents, randomUnit, type AdapterFactory, type Components } from "../../components.js";
import { decodeBase64url, encodeBase64url } from "../../../protocol/base64url.js";
import { MAILBOX_ID, NAMEPLATE } from "../../../protocol/rendezvous.js";
import {
  BlobTooLargeError,
  NameplateCrowdedError,
  NameplateNotFoundError,
  SignalingClosedError,
  SignalingError,
  SignalingLimitError,
  type Signaling,
  type SignalingOpenOptions,
  type SignalingSession,
} from "../types.js";
import { RelayLink, RequestFailed, type MailboxFrame, type Reply, type Request, type WebSocketConstructor } from "./relay-socket.js";

export interface RelaySignalingOptions {
  /** `ws://…` or `wss://…` */
  readonly url: string;
  /** WebSocket implementation; default: globalThis.WebSocket, else the `ws` package. */
  readonly WebSocket?: WebSocketConstructor;
  /** Reconnect backoff: first delay and cap, ms (jittered). Defaults 250 / 10,000. */
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
  /** How long to wait for the relay to answer one request. Default 10,000 ms. */
  readonly requestTimeoutMs?: number;
}

/**
 * Short-lived TURN credentials from the relay (TURN REST API), shaped like an RTCIceServer
 * entry: pass `{ urls, username, credential }` to the transport's `iceServers`. Secret-ish:
 * never log them or put them in state.
 */
export interface RelayTurnCredentials {
  readonly urls: readonly string[];
  readonly username: string;
  readonly credential: string;
  /** Seconds they stay valid from when the relay minted them. */
  readonly ttlSeconds: number;
}

/** The relay has no TURN server configured (`lethe relay --turn-url … --turn-secret-file …`). */
export class TurnUnavailableError extends SignalingError {
  override readonly name = "TurnUnavailableError";
}

/** The relay adapter: the Signaling contract, TURN credentials, and test hooks. */
export interface RelaySignaling extends Signaling {
  /**
   * Ask the relay for short-lived TURN credentials. The relay mints them only for a client
   * pairing or paired through it: call after host(), join() or mailbox() on this adapter
   * (else SignalingClosedError). TurnUnavailableError when the relay has no TURN server.
   */
  turnCredentials(options?: SignalingOpenOptions): Promise<RelayTurnCredentials>;
  /* Test hooks below: not part of the Signaling contract. */
  /** Cut the WebSocket as a network failure would (the adapter reconnects). */
  dropConnection(): void;
  readonly stats: { readonly reconnects: number; readonly badFrames: number };
}

function toError(e: unknown): SignalingError {
  if (!(e instanceof RequestFailed)) return e instanceof SignalingError ? e : new SignalingError("relay request failed", { cause: e });
  const msg = `relay: ${e.message}`;
  switch (e.code) {
    case "not_found":
      return new NameplateNotFoundError(msg);
    case "no_turn":
      return new TurnUnavailableError(msg);
    case "crowded":
      return new NameplateCrowdedError(msg);
    case "too_large":
      return new BlobTooLargeError(msg);
    case "closed":
    case "not_open":
    case "shutting_down":
      return new SignalingClosedError(msg);
    case "rate_limited":
    case "claim_rate_limited":
    case "join_rate_limited":
    case "mailbox_rate_limited":
    case "held_bytes_limited":
    case "relay_full":
    case "mailbox_full":
    case "too_many_nameplates":
    case "too_many_mailboxes":
    case "no_nameplates":
      return new SignalingLimitError(msg);
    default:
      return new SignalingError(msg);
  }
}

async function defaultWebSocket(): Promise<WebSocketConstructor> {
  const g = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (g) return g;
  const mod = await importOptional("ws", () => import("ws"));
  return mod.WebSocket as unknown as WebSocketConstructor;
}

/** How long close() waits for the relay to confirm. */
const CLOSE_WAIT_MS = 2000;

/**
 * checkConnection(): a ping not answered within this is a dead socket. Generous enough for a
 * loaded relay; a wrongly dropped socket only costs a reconnect.
 */
const CHECK_TIMEOUT_MS = 3000;

/** Blobs kept for a session nobody has subscribed to yet (they can arrive with the reply). */
const MAX_EARLY_BLOBS = 256;

class RelaySession implements SignalingSession {
  readonly messages$: Observable<Uint8Array>;
  private readonly subject = new Subject<Uint8Array>();
  private early: Uint8Array[] | undefined = [];
  readonly peerJoined: Promise<void>;
  private readonly returned = new Subject<void>();
  readonly peerReturned$ = this.returned.asObservable();
  private resolvePeer!: () => void;
  private rejectPeer!: (e: Error) => void;
  private peerSeen = false;
  closed = false;

  constructor(
    readonly nameplate: string,
    readonly mailboxId: string,
    readonly side: "host" | "join",
    private readonly owner: RelaySignalingImpl,
  ) {
    // Blobs that arrive before the first subscriber are replayed to it, then it is live.
    this.messages$ = new Observable<Uint8Array>((subscriber) => {
      const early = this.early;
      this.early = undefined;
      for (const b of early ?? []) subscriber.next(b);
      return this.subject.subscribe(subscriber);
    });
    this.peerJoined = new Promise<void>((resolve, reject) => {
      this.resolvePeer = resolve;
      this.rejectPeer = reject;
    });
    // Nobody may be awaiting peerJoined when a session closes early; that is not an error.
    this.peerJoined.catch(() => {});
  }

  onFrame(f: MailboxFrame): void {
    if (this.closed) return;
    if (f.t === "peer") {
      if (!this.peerSeen) {
        this.peerSeen = true;
        this.resolvePeer();
      } else this.returned.next(); // the peer re-opened its end (a new connection)
      return;
    }
    if (f.t === "blob") {
      const blob = decodeBase64url(f.b);
      if (!blob) {
        this.owner.link.badFrames++;
        return;
      }
      if (this.early) {
        if (this.early.length < MAX_EARLY_BLOBS) this.early.push(blob);
      } else this.subject.next(blob);
      return;
    }
    // "closed": replaced by a newer opener of our side, or our nameplate expired unjoined.
    this.finish(new SignalingClosedError(`relay closed the mailbox: ${f.reason}`));
  }

  async send(blob: Uint8Array): Promise<void> {
    if (this.closed) throw new SignalingClosedError("session is closed");
    if (!(blob instanceof Uint8Array)) throw new SignalingError("blob must be a Uint8Array");
    const max = this.owner.link.maxBlobBytes;
    if (blob.length > max) throw new BlobTooLargeError(`blob of ${blob.length} bytes exceeds the relay's ${max}`);
    try {
      await this.owner.link.request({ t: "post", m: this.mailboxId, b: encodeBase64url(blob) });
    } catch (e) {
      throw toError(e);
    }
  }

  finish(reason: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.owner.forget(this);
    if (!this.peerSeen) this.rejectPeer(reason);
    this.subject.complete();
    this.returned.complete();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.finish(new SignalingClosedError("session closed"));
    // The close frame leaves behind any send already on the wire. Its `ok` means the relay has
    // released the nameplate, so a joiner right after us gets not_found; a relay that does not
    // answer may delay close() by CLOSE_WAIT_MS at most.
    const closing = this.owner.link.requestNow({ t: "close", m: this.mailboxId }, undefined, CLOSE_WAIT_MS).catch(() => {});
    this.owner.link.idle();
    await closing;
  }
}

class RelaySignalingImpl implements RelaySignaling {
  readonly kind = "relay";
  readonly link: RelayLink;
  private readonly sessions = new Map<string, RelaySession>();
  private closed = false;

  constructor(options: RelaySignalingOptions, components: Components) {
    const WS = options.WebSocket;
    this.link = new RelayLink(
      {
        url: options.url,
        WebSocket: WS ? async () => WS : defaultWebSocket,
        clock: backgroundClock(components.clock),
        backoffInitialMs: options.backoffInitialMs ?? 250,
        backoffMaxMs: options.backoffMaxMs ?? 10_000,
        requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
        random: () => randomUnit(components.random),
      },
      (f) => this.sessions.get(f.m)?.onFrame(f),
      () => this.resume(),
      () => this.sessions.size > 0,
    );
  }

  get stats() {
    return { reconnects: this.link.reconnects, badFrames: this.link.badFrames };
  }

  dropConnection(): void {
    this.link.dropConnection();
  }

  checkConnection(): void {
    this.link.checkNow(CHECK_TIMEOUT_MS);
  }

  forget(s: RelaySession): void {
    if (this.sessions.get(s.mailboxId) === s) this.sessions.delete(s.mailboxId);
  }

  /** After a reconnect: re-open every session's side of its mailbox. */
  private resume(): void {
    for (const s of this.sessions.values()) {
      this.link.requestNow({ t: "open", m: s.mailboxId, side: s.side }).catch((e: unknown) => s.finish(toError(e)));
    }
  }

  /**
   * Send the request and register the session synchronously on its reply, so frames the relay
   * sends right behind the reply (held blobs, `peer`) find it.
   */
  private async open(
    options: SignalingOpenOptions | undefined,
    request: Request,
    describe: (f: Reply) => { nameplate: string; m: string; side: "host" | "join" } | undefined,
  ): Promise<SignalingSession> {
    if (this.closed) throw new SignalingClosedError("signaling is closed");
    const signal = options?.signal;
    if (signal?.aborted) throw new SignalingClosedError("aborted");
    let session: RelaySession | undefined;
    try {
      await this.link.request(request, this.sessions.size === 0, (f) => {
        const d = describe(f);
        if (!d) return;
        session = new RelaySession(d.nameplate, d.m, d.side, this);
        this.sessions.set(d.m, session);
      });
    } catch (e) {
      throw toError(e);
    }
    if (!session) throw new SignalingError("unexpected reply from the relay");
    if (signal?.aborted || this.closed) {
      await session.close();
      throw new SignalingClosedError(signal?.aborted ? "aborted" : "signaling is closed");
    }
    return session;
  }

  host(options?: SignalingOpenOptions): Promise<SignalingSession> {
    return this.open(options, { t: "host" }, (f) => (f.t === "hosted" ? { nameplate: f.nameplate, m: f.m, side: "host" } : undefined));
  }

  async join(nameplate: string, options?: SignalingOpenOptions): Promise<SignalingSession> {
    if (typeof nameplate !== "string" || !NAMEPLATE.test(nameplate)) throw new NameplateNotFoundError("nameplate must be a decimal number");
    return this.open(options, { t: "join", nameplate }, (f) => (f.t === "joined" ? { nameplate, m: f.m, side: "join" } : undefined));
  }

  async mailbox(id: string, side: "host" | "join", options?: SignalingOpenOptions): Promise<SignalingSession> {
    if (typeof id !== "string" || !MAILBOX_ID.test(id)) throw new SignalingError("mailbox id must be 32 lowercase hex characters (128 bits)");
    if (side !== "host" && side !== "join") throw new SignalingError("side must be host or join");
    if (this.sessions.has(id)) throw new SignalingError("that mailbox is already open on this adapter");
    return this.open(options, { t: "open", m: id, side }, (f) => (f.t === "opened" ? { nameplate: id, m: id, side } : undefined));
  }

  async turnCredentials(options?: SignalingOpenOptions): Promise<RelayTurnCredentials> {
    if (this.closed) throw new SignalingClosedError("signaling is closed");
    if (options?.signal?.aborted) throw new SignalingClosedError("aborted");
    if (this.sessions.size === 0) throw new SignalingClosedError("open a session (host, join or mailbox) before asking for TURN credentials");
    let reply: Reply;
    try {
      reply = await this.link.request({ t: "turn" });
    } catch (e) {
      throw toError(e);
    }
    if (reply.t !== "turn") throw new SignalingError("unexpected reply from the relay");
    return { urls: [...reply.urls], username: reply.username, credential: reply.credential, ttlSeconds: reply.ttl };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const all = [...this.sessions.values()];
    await Promise.allSettled(all.map((s) => s.close()));
    this.link.close();
  }
}

export function relaySignaling(options: RelaySignalingOptions): AdapterFactory<RelaySignaling> {
  if (options === null || typeof options !== "object" || typeof options.url !== "string") throw new TypeError("relaySignaling: options.url is required");
  return (components = defaultComponents) => new RelaySignalingImpl(options, components);
}
