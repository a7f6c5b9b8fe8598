/**
 * One end of a LAN signaling link (lan-signaling.ts opens them): a WebSocket that may come and
 * go, the blobs in flight with their sequence numbers and acknowledgements, and bounded holding
 * of blobs that arrive before anyone reads or while the peer is away.
 */
import { Observable, Subject } from "rxjs";
import type { RawData, WebSocket } from "ws";
import { BlobTooLargeError, SignalingClosedError, SignalingError, SignalingLimitError, type SignalingSession } from "../types.js";
import { CLOSE_BAD_HELLO, CLOSE_BYE } from "./lan-frames.js";

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
/** One end of a LAN signaling link: a socket that may come and go, plus bounded holding. */
export class LanSession implements SignalingSession {
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
    if (ws === undefined || ws.readyState !== ws.OPEN) return; // held until the peer (re)connects
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
