/**
 * `lanSignaling`: the Signaling contract on a LAN with no server anywhere.
 *
 * host(): listen on a WebSocket bound to the interface address (port chosen by the OS), pick a
 * random small nameplate, advertise {nameplate, port} through the Discovery adapter (mDNS), and
 * accept exactly one joiner; anyone after that is refused (NameplateCrowdedError on their side).
 * The advertisement stays up while the host session is open and is withdrawn when it closes
 * (the runtime closes it once pairing completes). join(nameplate): find the host through
 * discovery, connect, say hello. mailbox(id, side, { auth }): the same over a fresh socket whose
 * advertised name is a hash of the mailbox id (the id itself never goes on the air), and whose
 * hello is a challenge–response under the pairing's k_hello (docs/protocol.md §8): both ends
 * prove the key on every connection, so a hello seen on the LAN cannot be replayed to take the
 * mailbox, burn a sequence number or lock the real joiner out. The host side holds blobs until
 * the joiner (re)connects. Blobs are binary frames carried verbatim.
 *
 * `lanSignaling(init)` returns a factory of the engine's components: the hello timeout and the
 * mailbox redial pauses run on `components.clock`; the nameplate and the hello nonces (public
 * values) come from `components.random`. `ws` is an optional peer dependency, loaded when the
 * first session opens (MissingDependencyError when it is not installed).
 */
import { createHash } from "node:crypto";
import { isIP } from "node:net";
import type { RawData, WebSocket } from "ws";
import { backgroundClock, sleep } from "../../../clock.js";
import { importOptional } from "../../../optional-dependency.js";
import { defaultComponents, randomInt, withComponents, type AdapterFactory, type Components } from "../../components.js";
import { HELLO_NONCE_BYTES, isMailboxId, isNameplate, type MailboxAuth, type Side } from "../../../protocol/rendezvous.js";
import type { Advertisement, Discovery } from "../../discovery/types.js";
import {
  MailboxAuthError,
  NameplateCrowdedError,
  NameplateNotFoundError,
  SignalingClosedError,
  SignalingError,
  type Signaling,
  type SignalingOpenOptions,
} from "../types.js";
import {
  CLOSE_BAD_HELLO,
  CLOSE_BAD_PROOF,
  CLOSE_CROWDED,
  CLOSE_UNKNOWN,
  LAN_VERSION,
  challengeFrame,
  helloFrame,
  okFrame,
  proofFrame,
  readChallenge,
  readHello,
  readOk,
  readProof,
} from "./lan-frames.js";
import { LanSession } from "./lan-session.js";

export interface LanSignalingOptions {
  /** Where the host advertises and the joiner looks (an adapter, or a factory completed with the same components). */
  readonly discovery: Discovery | ((components: Components) => Discovery);
  /** Address the host's WebSocket binds to and advertises. Default 127.0.0.1. */
  readonly interface?: string;
  /** Largest blob. Default 64 KiB (as the relay). */
  readonly maxBlobBytes?: number;
  /** Blobs held for a mailbox peer that is not connected. Default 64. */
  readonly maxHeldBlobs?: number;
  /** How long join() looks for the host. Default 10 s. */
  readonly findTimeoutMs?: number;
  /** A connection must say hello within this. Default 5 s. */
  readonly helloTimeoutMs?: number;
}

export class InvalidNameplateError extends SignalingError {
  override readonly name = "InvalidNameplateError";
}
export class InvalidMailboxError extends SignalingError {
  override readonly name = "InvalidMailboxError";
}

/** Re-dial attempts for a mailbox whose socket dropped, with a growing pause between them. */
const REDIAL_ATTEMPTS = 5;
const REDIAL_PAUSE_MS = 250;
/** The public tag a mailbox is advertised and greeted under: a hash, so the id stays off the air. */
const boxTag = (id: string): string => createHash("sha256").update(`lethe/v1 lan mailbox ${id.toLowerCase()}`).digest("hex").slice(0, 32);
const boxNameplate = (tag: string): string => `m${tag.slice(0, 20)}`;
const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString("hex");
const unhex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, "hex"));

/** Who may come in: the joiner of a nameplate, or the proven other end of a private mailbox. */
type Gate = { readonly kind: "join"; readonly nameplate: string } | { readonly kind: "mailbox"; readonly box: string; readonly auth: MailboxAuth };

/** The LAN signaling adapter: the Signaling contract plus a count of refused connections and frames. */
export type LanSignaling = Signaling & { readonly refused: number };

const loadWs = () => importOptional("ws", () => import("ws"));

export function lanSignaling(options: LanSignalingOptions): AdapterFactory<LanSignaling> {
  const iface = options.interface ?? "127.0.0.1";
  if (isIP(iface) === 0) throw new TypeError("lanSignaling: interface must be an IP address");
  if (options.discovery === undefined || options.discovery === null) throw new TypeError("lanSignaling: options.discovery is required");
  return (components = defaultComponents) => createLanSignaling(options, iface, components);
}

function createLanSignaling(options: LanSignalingOptions, iface: string, components: Components): LanSignaling {
  const discovery = withComponents(options.discovery, components);
  const random = components.random;
  // Hello timeouts and redial pauses must not hold a Node process open on their own.
  const clock = backgroundClock(components.clock);
  const maxBlob = options.maxBlobBytes ?? 64 * 1024;
  const maxHeld = options.maxHeldBlobs ?? 64;
  const findTimeoutMs = options.findTimeoutMs ?? 10_000;
  const helloTimeoutMs = options.helloTimeoutMs ?? 5_000;
  const sessions = new Set<LanSession>();
  let refused = 0;
  let closed = false;

  const checkOpen = () => {
    if (closed) throw new SignalingClosedError("signaling is closed");
  };

  /**
   * Host side: a WebSocket server that lets in the joiner of a nameplate (one, ever) or the
   * proven other end of a mailbox (docs/protocol.md §8; a proven socket replaces a previous one).
   * Until then nothing a socket sends touches the session.
   */
  async function serve(nameplate: string, gate: Gate, session: LanSession): Promise<Advertisement> {
    const { WebSocketServer } = await loadWs();
    const wss = new WebSocketServer({ host: iface, port: 0, maxPayload: maxBlob + 64, clientTracking: true });
    await new Promise<void>((resolve, reject) => {
      wss.once("listening", resolve);
      wss.once("error", reject);
    });
    wss.on("error", () => undefined); // after listening, a server error ends in its sockets' close, handled per socket
    let peer: WebSocket | undefined;
    const refuse = (ws: WebSocket, code: number) => {
      refused++;
      ws.close(code);
    };
    const admit = (ws: WebSocket) => {
      const old = peer;
      peer = ws;
      ws.send(okFrame());
      session.attach(ws);
      if (old !== undefined && old !== ws) old.terminate();
    };
    wss.on("connection", (ws) => {
      ws.on("error", () => undefined); // a socket error is followed by 'close' (clears the hello timer; onLost)
      // The whole greeting (hello, and for a mailbox the proof) must be done within the timeout.
      const timer = clock.setTimeout(() => ws.close(CLOSE_BAD_HELLO), helloTimeoutMs);
      ws.once("close", () => clock.clearTimeout(timer));
      ws.once("message", (data, isBinary) => {
        const hello = isBinary ? undefined : readHello(data);
        if (hello === undefined) return refuse(ws, CLOSE_BAD_HELLO);
        if (gate.kind === "join") {
          if (hello.kind !== "join" || hello.nameplate !== gate.nameplate) return refuse(ws, CLOSE_UNKNOWN);
          if (peer !== undefined) return refuse(ws, CLOSE_CROWDED); // one joiner per nameplate, ever
          clock.clearTimeout(timer);
          return admit(ws);
        }
        if (hello.kind !== "mailbox" || hello.box !== gate.box) return refuse(ws, CLOSE_UNKNOWN);
        const box = unhex(gate.box);
        const joinNonce = unhex(hello.nonce);
        const hostNonce = random(HELLO_NONCE_BYTES);
        let ourProof: Uint8Array;
        try {
          ourProof = gate.auth.prove("host", box, joinNonce, hostNonce);
        } catch {
          return refuse(ws, CLOSE_BAD_PROOF); // our keys are gone: the session is ending
        }
        ws.send(challengeFrame(hex(hostNonce), hex(ourProof)));
        ws.once("message", (answer, answerIsBinary) => {
          const p = answerIsBinary ? undefined : readProof(answer);
          let ok = false;
          try {
            ok = p !== undefined && gate.auth.verify("join", box, joinNonce, hostNonce, unhex(p.proof));
          } catch {
            ok = false;
          }
          if (!ok) return refuse(ws, CLOSE_BAD_PROOF);
          clock.clearTimeout(timer);
          admit(ws);
        });
      });
    });
    const port = (wss.address() as { port: number }).port;
    const ad = await discovery.advertise({ nameplate, address: iface, port });
    session.onClose = async () => {
      // Stop listening first: the socket must go even if the goodbye cannot be sent any more.
      for (const c of wss.clients) c.terminate();
      const stopped = new Promise<void>((r) => wss.close(() => r()));
      await Promise.all([stopped, ad.withdraw().catch(() => undefined)]); // a goodbye that cannot go out: the record expires on its TTL
    };
    return ad;
  }

  /** Join side: find, connect, greet (and for a mailbox prove, §8); map refusals to the contract's errors. */
  async function dial(nameplate: string, gate: Gate, signal: AbortSignal | undefined, session: LanSession): Promise<void> {
    let rec;
    try {
      rec = await discovery.find(nameplate, { timeoutMs: findTimeoutMs, ...(signal ? { signal } : {}) });
    } catch (e) {
      if ((e as Error).name === "DiscoveryTimeoutError") throw new NameplateNotFoundError(`nobody on the LAN hosts ${nameplate}`, { cause: e });
      throw new SignalingError("discovery failed", { cause: e });
    }
    const host = rec.address.includes(":") ? `[${rec.address}]` : rec.address;
    const { WebSocket } = await loadWs();
    const ws = new WebSocket(`ws://${host}:${rec.port}/`, { maxPayload: maxBlob + 64, handshakeTimeout: helloTimeoutMs });
    ws.on("error", () => undefined); // handled below as 'error' -> NameplateNotFoundError, then 'close'
    const joinNonce = random(HELLO_NONCE_BYTES);
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (e: Error) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener("abort", onAbort);
        ws.off("message", onMessage);
        ws.terminate();
        reject(e);
      };
      const onAbort = () => fail(new SignalingError("join aborted"));
      signal?.addEventListener("abort", onAbort, { once: true });
      let stage: "challenge" | "ok" = gate.kind === "mailbox" ? "challenge" : "ok";
      const onMessage = (data: RawData, isBinary: boolean) => {
        if (settled) return;
        if (stage === "challenge" && gate.kind === "mailbox") {
          const c = isBinary ? undefined : readChallenge(data);
          const box = unhex(gate.box);
          let proven = false;
          let answer: Uint8Array | undefined;
          try {
            if (c !== undefined) {
              const hostNonce = unhex(c.challenge);
              proven = gate.auth.verify("host", box, joinNonce, hostNonce, unhex(c.proof));
              if (proven) answer = gate.auth.prove("join", box, joinNonce, hostNonce);
            }
          } catch {
            proven = false;
          }
          if (!proven || answer === undefined) return fail(new MailboxAuthError("the mailbox host could not prove the pairing's keys"));
          stage = "ok";
          ws.send(proofFrame(hex(answer)));
          return;
        }
        if (isBinary || !readOk(data)) return fail(new SignalingError("host answered with something other than ok"));
        settled = true;
        signal?.removeEventListener("abort", onAbort);
        ws.off("message", onMessage);
        session.attach(ws);
        session.onClose ??= async () => undefined;
        resolve();
      };
      ws.on("message", onMessage);
      ws.once("open", () =>
        ws.send(helloFrame(gate.kind === "join" ? { v: LAN_VERSION, kind: "join", nameplate: gate.nameplate } : { v: LAN_VERSION, kind: "mailbox", box: gate.box, nonce: hex(joinNonce) })),
      );
      ws.once("close", (code) => {
        if (code === CLOSE_CROWDED) fail(new NameplateCrowdedError(`nameplate ${nameplate} already has a peer`));
        else if (code === CLOSE_BAD_PROOF) fail(new MailboxAuthError("the mailbox host refused our proof of the pairing's keys"));
        else fail(new NameplateNotFoundError(`host refused nameplate ${nameplate} (${code})`));
      });
      ws.once("error", (e) => fail(new NameplateNotFoundError(`cannot reach the host of ${nameplate}`, { cause: e })));
    });
  }

  async function redial(np: string, gate: Gate, session: LanSession): Promise<void> {
    for (let attempt = 1; attempt <= REDIAL_ATTEMPTS && !closed && session.isOpen; attempt++) {
      try {
        await dial(np, gate, undefined, session);
        return;
      } catch {
        // This attempt failed (host not found yet, refused, unreachable): pause longer each time.
        await sleep(clock, REDIAL_PAUSE_MS * attempt);
      }
    }
  }

  const track = (s: LanSession) => {
    sessions.add(s);
    const inner = s.onClose;
    s.onClose = async () => {
      sessions.delete(s);
      await inner?.();
    };
  };

  return {
    kind: "lan",
    get refused() {
      return refused + [...sessions].reduce((n, s) => n + s.refused, 0);
    },
    async host(_opts?: SignalingOpenOptions) {
      checkOpen();
      const nameplate = String(randomInt(random, 1, 1000));
      const session = new LanSession(nameplate, maxBlob, maxHeld);
      await serve(nameplate, { kind: "join", nameplate }, session);
      track(session);
      return session;
    },
    async join(nameplate: string, opts?: SignalingOpenOptions) {
      checkOpen();
      if (!isNameplate(nameplate)) throw new InvalidNameplateError("a nameplate is a decimal number of at most 9 digits");
      const session = new LanSession(nameplate, maxBlob, maxHeld);
      await dial(nameplate, { kind: "join", nameplate }, opts?.signal, session);
      track(session);
      return session;
    },
    async mailbox(id: string, side: Side, opts?: SignalingOpenOptions) {
      checkOpen();
      if (!isMailboxId(id)) throw new InvalidMailboxError("mailbox id must be 32 lowercase hex digits");
      if (side !== "host" && side !== "join") throw new InvalidMailboxError("side must be host or join");
      const auth = opts?.auth;
      if (auth === undefined || typeof auth.prove !== "function" || typeof auth.verify !== "function") {
        throw new MailboxAuthError("a LAN mailbox needs options.auth (the secure channel's mailboxAuth): its hello proves the pairing's keys");
      }
      const tag = boxTag(id);
      const np = boxNameplate(tag);
      const gate: Gate = { kind: "mailbox", box: tag, auth };
      const session = new LanSession(np, maxBlob, maxHeld);
      if (side === "host") await serve(np, gate, session);
      else {
        await dial(np, gate, opts?.signal, session);
        // The mailbox lives as long as the session: if the socket drops, find the host again
        // and reconnect (with a fresh proof); blobs sent meanwhile are held (bounded) and
        // flushed on reconnect.
        session.onLost = () => void redial(np, gate, session);
      }
      track(session);
      return session;
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...sessions].map((s) => s.close()));
    },
  };
}
