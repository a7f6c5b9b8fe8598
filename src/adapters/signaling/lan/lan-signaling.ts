/**
 * `lanSignaling`: the Signaling contract on a LAN with no server anywhere.
 *
 * host(): listen on a WebSocket bound to the interface address (port chosen by the OS), pick a
 * random small nameplate, advertise {nameplate, port} through the Discovery adapter (mDNS), and
 * accept exactly one joiner; anyone after that is refused (NameplateCrowdedError on their side).
 * The advertisement stays up while the host session is open and is withdrawn when it closes
 * (the runtime closes it once pairing completes). join(nameplate): find the host through
 * discovery, connect, say hello. mailbox(id, side): the same over a fresh socket whose
 * advertised name is a hash of the mailbox id (the id itself never goes on the air); the host
 * side holds blobs until the joiner (re)connects. Blobs are binary frames carried verbatim.
 */
import { createHash, randomInt } from "node:crypto";
import { isIP } from "node:net";
import { Observable, Subject } from "rxjs";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import { isMailboxId, isNameplate, type Side } from "../../../protocol/rendezvous.js";
import type { Advertisement, Discovery } from "../../discovery/types.js";
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
import {
  CLOSE_BAD_HELLO,
  CLOSE_BYE,
  CLOSE_CROWDED,
  CLOSE_UNKNOWN,
  LAN_VERSION,
  helloFrame,
  okFrame,
  readHello,
  readOk,
  type HelloFrame,
} from "./lan-frames.js";

export interface LanSignalingOptions {
  readonly discovery: Discovery;
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

/** Binary frames after hello: `type u8 | seq u32be | blob` (data) or `type u8 | seq u32be` (cumulative ack). */
const FRAME_DATA = 1;
const FRAME_ACK = 2;
const FRAME_HEADER = 5;
const ackFrame = (seq: number): Buffer => {
  const b = Buffer.alloc(FRAME_HEADER);
  b[0] = FRAME_ACK;
  b.writeUInt32BE(seq, 1);
  return b;
};
/** Re-dial attempts for a mailbox whose socket dropped, with a growing pause between them. */
const REDIAL_ATTEMPTS = 5;
const REDIAL_PAUSE_MS = 250;
/** The public tag a mailbox is advertised and greeted under: a hash, so the id stays off the air. */
const boxTag = (id: string): string => createHash("sha256").update(`lethe/v1 lan mailbox ${id.toLowerCase()}`).digest("hex").slice(0, 32);
const boxNameplate = (tag: string): string => `m${tag.slice(0, 20)}`;

/** One end of a LAN signaling link: a socket that may come and go, plus bounded holding. */
class LanSession implements SignalingSession {
  readonly messages$: Observable<Uint8Array>;
  readonly peerJoined: Promise<void>;
  private readonly inbox = new Subject<Uint8Array>();
  private socket: WebSocket | undefined;
  /** Blobs sent and not yet acknowledged by the peer, oldest first; resent on a new socket. */
  private unacked: { seq: number; frame: Buffer }[] = [];
  private nextSeq = 1;
  /** Highest sequence number delivered from the peer (survives socket changes). */
  private delivered = 0;
  private early: Uint8Array[] | undefined = [];
  private closed = false;
  private joined!: () => void;
  /** Cleanup of whatever this session owns (server, advertisement, socket). */
  onClose: (() => Promise<void>) | undefined;
  /** Frames refused from the peer (text after hello, bad header, out of sequence). */
  refused = 0;
  /** Called when the socket drops while the session is open (the join side re-dials). */
  onLost: (() => void) | undefined;

  constructor(
    readonly nameplate: string,
    private readonly maxBlob: number,
    private readonly maxHeld: number,
  ) {
    // Blobs that arrive before anyone subscribes (they can come in the same TCP read as the
    // host's ok) are kept, bounded, and handed to the first subscriber in order.
    this.messages$ = new Observable<Uint8Array>((subscriber) => {
      const sub = this.inbox.subscribe(subscriber);
      const early = this.early;
      this.early = undefined;
      for (const b of early ?? []) this.inbox.next(b);
      return sub;
    });
    this.peerJoined = new Promise((r) => (this.joined = r));
  }

  attach(ws: WebSocket): void {
    this.socket = ws;
    this.joined();
    ws.on("message", (data: RawData, isBinary: boolean) => {
      if (this.closed || ws !== this.socket) return;
      if (!isBinary) return void this.refused++;
      this.onFrame(ws, Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer));
    });
    ws.on("close", () => {
      if (ws !== this.socket) return;
      this.socket = undefined;
      if (!this.closed) this.onLost?.();
    });
    // Whatever the peer has not acknowledged may have died with the old socket: send it again;
    // the peer drops what it already delivered (by sequence number).
    for (const u of this.unacked) ws.send(u.frame, { binary: true });
  }

  private onFrame(ws: WebSocket, buf: Buffer): void {
    if (buf.length < FRAME_HEADER) return void this.refused++;
    const type = buf[0];
    const seq = buf.readUInt32BE(1);
    if (type === FRAME_ACK && buf.length === FRAME_HEADER) {
      this.unacked = this.unacked.filter((u) => u.seq > seq);
      return;
    }
    if (type !== FRAME_DATA) return void this.refused++;
    if (seq <= this.delivered) return void ws.send(ackFrame(this.delivered), { binary: true }); // a resend we already have
    if (seq !== this.delivered + 1) {
      // A gap cannot happen on one ordered socket: the peer is broken or hostile.
      this.refused++;
      return void ws.close(CLOSE_BAD_HELLO);
    }
    this.delivered = seq;
    ws.send(ackFrame(seq), { binary: true });
    const blob = new Uint8Array(buf.subarray(FRAME_HEADER));
    if (this.early === undefined) return this.inbox.next(blob);
    if (this.early.length >= this.maxHeld) return void this.refused++;
    this.early.push(blob);
  }

  async send(blob: Uint8Array): Promise<void> {
    if (this.closed) throw new SignalingClosedError("signaling session is closed");
    if (!(blob instanceof Uint8Array)) throw new SignalingError("send() takes a Uint8Array");
    if (blob.byteLength > this.maxBlob) throw new BlobTooLargeError(`blob of ${blob.byteLength} bytes exceeds ${this.maxBlob}`);
    if (this.unacked.length >= this.maxHeld) {
      throw new SignalingLimitError(`more than ${this.maxHeld} blobs not yet acknowledged by the peer`);
    }
    const seq = this.nextSeq++;
    const frame = Buffer.alloc(FRAME_HEADER + blob.byteLength);
    frame[0] = FRAME_DATA;
    frame.writeUInt32BE(seq, 1);
    frame.set(blob, FRAME_HEADER);
    this.unacked.push({ seq, frame });
    const ws = this.socket;
    if (ws === undefined || ws.readyState !== WebSocket.OPEN) return; // held until the peer (re)connects
    await new Promise<void>((resolve) =>
      // A write error means the socket died: the frame stays unacked and is resent on reconnect.
      ws.send(frame, { binary: true }, () => resolve()),
    );
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unacked = [];
    const ws = this.socket;
    this.socket = undefined;
    ws?.close(CLOSE_BYE);
    this.inbox.complete();
    await this.onClose?.();
  }
}

export function lanSignaling(options: LanSignalingOptions): Signaling & { readonly refused: number } {
  const discovery = options.discovery;
  const iface = options.interface ?? "127.0.0.1";
  if (isIP(iface) === 0) throw new TypeError("lanSignaling: interface must be an IP address");
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

  /** Host side: a WebSocket server that accepts exactly one greeting matching `accepts`. */
  async function serve(nameplate: string, accepts: (h: HelloFrame) => boolean, session: LanSession): Promise<Advertisement> {
    const wss = new WebSocketServer({ host: iface, port: 0, maxPayload: maxBlob + 64, clientTracking: true });
    await new Promise<void>((resolve, reject) => {
      wss.once("listening", resolve);
      wss.once("error", reject);
    });
    wss.on("error", () => undefined);
    let peer: WebSocket | undefined;
    wss.on("connection", (ws) => {
      ws.on("error", () => undefined);
      const timer = setTimeout(() => ws.close(CLOSE_BAD_HELLO), helloTimeoutMs);
      timer.unref();
      ws.once("message", (data, isBinary) => {
        clearTimeout(timer);
        const hello = isBinary ? undefined : readHello(data);
        if (hello === undefined) {
          refused++;
          return ws.close(CLOSE_BAD_HELLO);
        }
        if (!accepts(hello)) {
          refused++;
          return ws.close(CLOSE_UNKNOWN);
        }
        // One peer per nameplate; a mailbox peer may come back on a new socket after losing its old one.
        if (peer !== undefined && peer.readyState === WebSocket.OPEN) {
          refused++;
          return ws.close(CLOSE_CROWDED);
        }
        if (peer !== undefined && hello.kind === "join") {
          refused++;
          return ws.close(CLOSE_CROWDED);
        }
        peer = ws;
        ws.send(okFrame());
        session.attach(ws);
      });
    });
    const port = (wss.address() as { port: number }).port;
    const ad = await discovery.advertise({ nameplate, address: iface, port });
    session.onClose = async () => {
      // Stop listening first: the socket must go even if the goodbye cannot be sent any more.
      for (const c of wss.clients) c.terminate();
      const stopped = new Promise<void>((r) => wss.close(() => r()));
      await Promise.all([stopped, ad.withdraw().catch(() => undefined)]);
    };
    return ad;
  }

  /** Join side: find, connect, greet; map refusals to the contract's errors. */
  async function dial(nameplate: string, hello: HelloFrame, signal: AbortSignal | undefined, session: LanSession): Promise<void> {
    let rec;
    try {
      rec = await discovery.find(nameplate, { timeoutMs: findTimeoutMs, ...(signal ? { signal } : {}) });
    } catch (e) {
      if ((e as Error).name === "DiscoveryTimeoutError") throw new NameplateNotFoundError(`nobody on the LAN hosts ${nameplate}`, { cause: e });
      throw new SignalingError("discovery failed", { cause: e });
    }
    const host = rec.address.includes(":") ? `[${rec.address}]` : rec.address;
    const ws = new WebSocket(`ws://${host}:${rec.port}/`, { maxPayload: maxBlob + 64, handshakeTimeout: helloTimeoutMs });
    ws.on("error", () => undefined);
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        ws.terminate();
        reject(new SignalingError("join aborted"));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      ws.once("open", () => ws.send(helloFrame(hello)));
      ws.once("message", (data, isBinary) => {
        signal?.removeEventListener("abort", onAbort);
        if (!isBinary && readOk(data)) {
          session.attach(ws);
          session.onClose ??= async () => undefined;
          resolve();
        } else {
          ws.terminate();
          reject(new SignalingError("host answered with something other than ok"));
        }
      });
      ws.once("close", (code) => {
        signal?.removeEventListener("abort", onAbort);
        if (code === CLOSE_CROWDED) reject(new NameplateCrowdedError(`nameplate ${nameplate} already has a peer`));
        else reject(new NameplateNotFoundError(`host refused nameplate ${nameplate} (${code})`));
      });
      ws.once("error", (e) => reject(new NameplateNotFoundError(`cannot reach the host of ${nameplate}`, { cause: e })));
    });
  }

  async function redial(np: string, hello: HelloFrame, session: LanSession): Promise<void> {
    for (let attempt = 1; attempt <= REDIAL_ATTEMPTS && !closed && session.isOpen; attempt++) {
      try {
        await dial(np, hello, undefined, session);
        return;
      } catch {
        await new Promise<void>((r) => setTimeout(r, REDIAL_PAUSE_MS * attempt).unref());
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
      const nameplate = String(randomInt(1, 1000));
      const session = new LanSession(nameplate, maxBlob, maxHeld);
      await serve(nameplate, (h) => h.kind === "join" && h.nameplate === nameplate, session);
      track(session);
      return session;
    },
    async join(nameplate: string, opts?: SignalingOpenOptions) {
      checkOpen();
      if (!isNameplate(nameplate)) throw new InvalidNameplateError("a nameplate is a decimal number of at most 9 digits");
      const session = new LanSession(nameplate, maxBlob, maxHeld);
      await dial(nameplate, { v: LAN_VERSION, kind: "join", nameplate }, opts?.signal, session);
      track(session);
      return session;
    },
    async mailbox(id: string, side: Side, opts?: SignalingOpenOptions) {
      checkOpen();
      if (!isMailboxId(id)) throw new InvalidMailboxError("mailbox id must be 32 lowercase hex digits");
      if (side !== "host" && side !== "join") throw new InvalidMailboxError("side must be host or join");
      const tag = boxTag(id);
      const np = boxNameplate(tag);
      const session = new LanSession(np, maxBlob, maxHeld);
      if (side === "host") await serve(np, (h) => h.kind === "mailbox" && h.box === tag, session);
      else {
        const hello: HelloFrame = { v: LAN_VERSION, kind: "mailbox", box: tag };
        await dial(np, hello, opts?.signal, session);
        // The mailbox lives as long as the session: if the socket drops, find the host again
        // and reconnect; blobs sent meanwhile are held (bounded) and flushed on reconnect.
        session.onLost = () => void redial(np, hello, session);
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
