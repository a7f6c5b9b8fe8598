/**
 * The secure channel: sealed frames, per-(epoch, direction) replay windows, the X25519 rotation
 * ratchet, and the signaling seal (docs/protocol.md §4–6). Created from a KeyStore that holds a
 * confirmed pairing; every key it derives is owned by that store.
 *
 * Rotation (initiator I, responder R, both at epoch e):
 *   I: startRotation()     -> ROTATE body {e+1, pub_I}, sealed at epoch e
 *   R: handleRotate(body)  -> installs epoch e+1 (receive now), returns ROTATE_ACK {e+1, pub_R};
 *                             R's send epoch becomes e+1 right after R seals that ACK frame, so the
 *                             ACK is R's last frame at epoch e.
 *   I: handleRotateAck(b)  -> installs e+1 and sends at e+1.
 * Both zero root_e, the ephemeral secrets and the DH output at once; the epoch-e receive key
 * stays until `expireEpoch(e)` (the grace window), the epoch-e send key goes at the switch.
 * Collision (both sent ROTATE for e+1): the "lo" side's rotation wins; "hi" drops its own.
 * Frames must travel over an ordered channel (WebRTC data channels are ordered by default).
 */
import { HELLO_NONCE_BYTES, type MailboxAuth, type Side } from "../../protocol/rendezvous.js";
import type { Aead } from "./aead.js";
import { abytes, ctEqual, readU32, readU64n, writeU32, writeU64n } from "./bytes.js";
import {
  BadHeaderError,
  KeyStoreWipedError,
  PairingStateError,
  RotationError,
  SequenceExhaustedError,
  UnknownEpochError,
} from "./errors.js";
import {
  DEFAULT_MAX_FRAME_BYTES,
  FRAME_HEADER_BYTES,
  FRAME_TAG_BYTES,
  FrameType,
  isFrameType,
  MAX_SEQ,
  nonceFor,
  readHeader,
  writeHeader,
} from "./frame.js";
import { FrameArena, frameIn, openAfterHeader, sealWithHeader } from "./frame-memory.js";
import { nobleX25519, type EphemeralKey, type KeyAgreement } from "./key-agreement.js";
import { helloProof, otherDirection, ratchetRootInto, trafficKeyInto, type Direction } from "./key-schedule.js";
import { takePairing, type KeyStore } from "./key-store.js";
import type { RandomSource } from "./random.js";
import { DEFAULT_REPLAY_WINDOW, ReplayWindow } from "./replay-window.js";

export const ROTATE_BODY_BYTES = 36;
export const SIGNAL_VERSION = 1;
export const SIGNAL_HEADER_BYTES = 9;
/** A sealed signal blob must fit the relay's 64 KiB blob limit. */
export const MAX_SIGNAL_BYTES = 64 * 1024;

export interface OpenedFrame {
  readonly type: FrameType;
  readonly epoch: number;
  readonly seq: bigint;
  readonly payload: Uint8Array;
}

export interface SecureChannelOptions {
  readonly keyStore: KeyStore;
  readonly aead: Aead;
  /** Replay window per (epoch, direction), a multiple of 32; default 1024. */
  readonly replayWindowSize?: number;
  /** Largest whole frame accepted or produced; default 1 MiB. */
  readonly maxFrameBytes?: number;
  /** Randomness for X25519 ephemeral secrets (tests inject it). */
  readonly random?: RandomSource;
  /** X25519 backend of the ratchet; default `nobleX25519` (Node: `nodeX25519`, from `lethe-sync/crypto/node`). */
  readonly keyAgreement?: KeyAgreement;
}

export interface SecureChannel {
  readonly direction: Direction;
  /** Epoch our frames are sealed under now. */
  readonly sendEpoch: number;
  /** Newest epoch whose keys are installed (the ratchet position). */
  readonly epoch: number;
  /** Epochs that still have a receive key. */
  readonly receiveEpochs: readonly number[];
  readonly rotationPending: boolean;
  /** Public 128-bit id (32 hex chars) for a re-signaling mailbox, derived one-way from root_0. */
  readonly mailboxId: string;
  /**
   * Proofs for the LAN mailbox hello (docs/protocol.md §8) under k_hello, which stays in the
   * KeyStore; hand it to `signaling.mailbox(id, side, { auth })`. Throws once wiped.
   */
  readonly mailboxAuth: MailboxAuth;
  readonly wiped: boolean;
  /**
   * Seals one frame. Without `output` the frame is fresh memory the caller may keep. With
   * `output` (noble's convention) it is written at `output[0..)` and returned as a view of it, with
   * no allocation: for a caller that hands each frame to a transport at once and reuses the buffer
   * (transports copy on send, a contract of the transport compliance suite). RangeError if
   * `output` is too small for the frame; `output` must not overlap `payload`.
   */
  seal(type: FrameType, payload: Uint8Array, output?: Uint8Array): Uint8Array;
  open(frame: Uint8Array): OpenedFrame;
  startRotation(): Uint8Array;
  handleRotate(body: Uint8Array): Uint8Array | null;
  handleRotateAck(body: Uint8Array): number;
  expireEpoch(epoch: number): void;
  sealSignal(blob: Uint8Array): Uint8Array;
  openSignal(sealed: Uint8Array): Uint8Array;
  /** Counts of refused inbound frames/blobs by error name (public data for diagnostics). */
  rejections(): Readonly<Record<string, number>>;
  /** Zeroes every key (the whole KeyStore). Idempotent. */
  wipe(): void;
}

interface SendState {
  epoch: number;
  key: Uint8Array;
  seq: number;
}
interface ReceiveState {
  key: Uint8Array;
  window: ReplayWindow;
}
interface PendingRotation {
  epoch: number;
  key: EphemeralKey;
}

function checkHelloInputs(side: Side, box: Uint8Array, joinNonce: Uint8Array, hostNonce: Uint8Array): void {
  if (side !== "host" && side !== "join") throw new RangeError("mailbox hello side must be host or join");
  abytes(box, "mailbox box tag", 16);
  abytes(joinNonce, "joiner nonce", HELLO_NONCE_BYTES);
  abytes(hostNonce, "host nonce", HELLO_NONCE_BYTES);
}

function encodeRotateBody(epoch: number, pub: Uint8Array): Uint8Array {
  const body = new Uint8Array(ROTATE_BODY_BYTES);
  writeU32(body, 0, epoch);
  body.set(pub, 4);
  return body;
}
function decodeRotateBody(body: Uint8Array, what: string): { epoch: number; pub: Uint8Array } {
  if (!(body instanceof Uint8Array) || body.length !== ROTATE_BODY_BYTES) {
    throw new RotationError(`${what} body must be ${ROTATE_BODY_BYTES} bytes`);
  }
  return { epoch: readU32(body, 0), pub: body.slice(4) };
}

export function createSecureChannel(options: SecureChannelOptions): SecureChannel {
  const { keyStore: store, aead } = options;
  const windowSize = options.replayWindowSize ?? DEFAULT_REPLAY_WINDOW;
  const maxFrame = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  /** Every seal and open writes its nonce here first (public; the AEADs consume it at once). */
  const nonce = new Uint8Array(new ArrayBuffer(12));
  /** The header of the frame being sealed / opened (public bytes; the AEADs consume them at once). */
  const headerOut = new Uint8Array(new ArrayBuffer(FRAME_HEADER_BYTES));
  const headerIn = new Uint8Array(new ArrayBuffer(FRAME_HEADER_BYTES));
  const signalHeaderOut = new Uint8Array(new ArrayBuffer(SIGNAL_HEADER_BYTES));
  const signalHeaderIn = new Uint8Array(new ArrayBuffer(SIGNAL_HEADER_BYTES));
  const arena = new FrameArena();
  const random: RandomSource | undefined = options.random;
  const agreement = options.keyAgreement ?? nobleX25519;
  new ReplayWindow(windowSize); // validate the size now, not at the first rotation
  if (!Number.isInteger(maxFrame) || maxFrame < FRAME_HEADER_BYTES + FRAME_TAG_BYTES) {
    throw new RangeError(`maxFrameBytes too small: ${maxFrame}`);
  }
  if (store.wiped) throw new KeyStoreWipedError("key store is wiped");
  const pairing = takePairing(store);
  if (!pairing) throw new PairingStateError("key store holds no confirmed pairing");

  const dir = pairing.direction;
  const peerDir = otherDirection(dir);
  let root = pairing.root;
  let rootEpoch = 0;
  let send: SendState = { epoch: 0, key: pairing.send0, seq: 0 };
  let staged: SendState | undefined; // responder's next send state, live after the ACK is sealed
  const receive = new Map<number, ReceiveState>([[0, { key: pairing.receive0, window: new ReplayWindow(windowSize) }]]);
  let pending: PendingRotation | undefined;
  const signalSend: SendState = { epoch: 0, key: pairing.signalSend, seq: 0 };
  const signalReceive: ReceiveState = { key: pairing.signalReceive, window: new ReplayWindow(windowSize) };
  const helloKey = pairing.helloKey;
  const rejected: Record<string, number> = {};
  let wiped = false;

  const live = () => {
    if (wiped || store.wiped) {
      wiped = true;
      throw new KeyStoreWipedError("secure channel is wiped");
    }
  };
  const count = (e: unknown): never => {
    const name = e instanceof Error ? e.name : "Error";
    rejected[name] = (rejected[name] ?? 0) + 1;
    throw e;
  };
  const nextSeq = (s: SendState): number => {
    if (s.seq >= MAX_SEQ) throw new SequenceExhaustedError("sequence space exhausted; rotate keys");
    return s.seq++;
  };

  /**
   * Installs epoch `next`: root_{next} from the ratchet (written in place), then its traffic keys;
   * zeroes the old root.
   */
  const advance = (next: number, shared: Uint8Array, pubInitiator: Uint8Array, pubResponder: Uint8Array): SendState => {
    const old = root;
    const fresh = store.derive("root", 32, (out) => ratchetRootInto(out, old, shared, next, pubInitiator, pubResponder));
    store.release(old);
    root = fresh;
    rootEpoch = next;
    receive.set(next, { key: store.derive("traffic-receive", 32, (out) => trafficKeyInto(out, fresh, peerDir)), window: new ReplayWindow(windowSize) });
    return { epoch: next, key: store.derive("traffic-send", 32, (out) => trafficKeyInto(out, fresh, dir)), seq: 0 };
  };

  const dh = (key: EphemeralKey, peerPub: Uint8Array): Uint8Array => store.derive("x25519-shared", 32, (out) => key.agreeInto(out, peerPub));

  return {
    direction: dir,
    get sendEpoch() {
      return send.epoch;
    },
    get epoch() {
      return rootEpoch;
    },
    get receiveEpochs() {
      return [...receive.keys()].sort((a, b) => a - b);
    },
    get rotationPending() {
      return pending !== undefined;
    },
    mailboxId: pairing.mailboxId,
    mailboxAuth: {
      prove(side, box, joinNonce, hostNonce) {
        live();
        checkHelloInputs(side, box, joinNonce, hostNonce);
        return helloProof(helloKey, side, box, joinNonce, hostNonce);
      },
      verify(side, box, joinNonce, hostNonce, proof) {
        live();
        checkHelloInputs(side, box, joinNonce, hostNonce);
        if (!(proof instanceof Uint8Array) || proof.length !== 32) return false;
        const expected = helloProof(helloKey, side, box, joinNonce, hostNonce);
        const ok = ctEqual(expected, proof);
        expected.fill(0);
        return ok;
      },
    },
    get wiped() {
      return wiped || store.wiped;
    },

    seal(type, payload, output) {
      live();
      if (!isFrameType(type)) throw new RangeError(`unknown frame type ${String(type)}`);
      abytes(payload, "payload");
      if (payload.length > maxFrame - FRAME_HEADER_BYTES - FRAME_TAG_BYTES) {
        throw new RangeError(`payload of ${payload.length} bytes exceeds the frame limit of ${maxFrame}`);
      }
      const size = FRAME_HEADER_BYTES + payload.length + FRAME_TAG_BYTES;
      const out = output === undefined ? arena.take(size) : frameIn(output, size);
      const s = send;
      const seq = nextSeq(s);
      writeHeader(headerOut, type, s.epoch, seq);
      sealWithHeader(aead, s.key, nonceFor(seq, nonce), headerOut, payload, out);
      if (type === FrameType.ROTATE_ACK && staged) {
        // The ACK is our last frame at the old epoch; its send key goes now (forward secrecy).
        store.release(s.key);
        send = staged;
        staged = undefined;
      }
      return out;
    },

    open(frame) {
      live();
      try {
        const h = readHeader(frame, maxFrame);
        const r = receive.get(h.epoch);
        if (!r) throw new UnknownEpochError(`no receive key for epoch ${h.epoch}`);
        r.window.check(h.seq);
        const payload = openAfterHeader(aead, r.key, nonceFor(h.seq, nonce), headerIn, frame);
        r.window.commit(h.seq);
        return { type: h.type, epoch: h.epoch, seq: BigInt(h.seq), payload };
      } catch (e) {
        return count(e);
      }
    },

    startRotation() {
      live();
      if (pending) throw new RotationError(`rotation to epoch ${pending.epoch} already pending`);
      if (staged) throw new RotationError("seal the pending ROTATE_ACK before starting a rotation");
      if (rootEpoch >= 0xffff_ffff) throw new RotationError("epoch space exhausted");
      const key = agreement.generate(store, random);
      pending = { epoch: rootEpoch + 1, key };
      return encodeRotateBody(pending.epoch, key.publicKey);
    },

    handleRotate(body) {
      live();
      try {
        const { epoch, pub: peerPub } = decodeRotateBody(body, "ROTATE");
        if (epoch !== rootEpoch + 1) throw new RotationError(`ROTATE for epoch ${epoch}, expected ${rootEpoch + 1}`);
        if (staged) throw new RotationError("ROTATE while our ROTATE_ACK is unsent");
        if (pending && pending.epoch === epoch) {
          if (dir === "lo") return null; // collision: ours wins, the peer acks ours
          pending.key.destroy(); // collision: theirs wins, drop ours
          pending = undefined;
        }
        const eph = agreement.generate(store, random);
        let shared: Uint8Array | undefined;
        try {
          shared = dh(eph, peerPub);
          staged = advance(epoch, shared, peerPub, eph.publicKey);
        } finally {
          eph.destroy();
          store.release(shared);
        }
        return encodeRotateBody(epoch, eph.publicKey);
      } catch (e) {
        return count(e);
      }
    },

    handleRotateAck(body) {
      live();
      try {
        const { epoch, pub: peerPub } = decodeRotateBody(body, "ROTATE_ACK");
        if (!pending || pending.epoch !== epoch) throw new RotationError(`unexpected ROTATE_ACK for epoch ${epoch}`);
        const shared = dh(pending.key, peerPub); // a refused key leaves the rotation pending
        let next: SendState;
        try {
          next = advance(epoch, shared, pending.key.publicKey, peerPub);
        } finally {
          store.release(shared);
        }
        pending.key.destroy();
        pending = undefined;
        store.release(send.key);
        send = next;
        return epoch;
      } catch (e) {
        return count(e);
      }
    },

    expireEpoch(epoch) {
      live();
      if (epoch >= rootEpoch) throw new RangeError(`epoch ${epoch} is current; only older epochs expire`);
      const r = receive.get(epoch);
      if (!r) return;
      store.release(r.key);
      receive.delete(epoch);
    },

    sealSignal(blob) {
      live();
      abytes(blob, "signal blob");
      if (blob.length > MAX_SIGNAL_BYTES - SIGNAL_HEADER_BYTES - FRAME_TAG_BYTES) {
        throw new RangeError(`signal blob of ${blob.length} bytes exceeds ${MAX_SIGNAL_BYTES}`);
      }
      const seq = nextSeq(signalSend);
      const out = new Uint8Array(SIGNAL_HEADER_BYTES + blob.length + FRAME_TAG_BYTES);
      signalHeaderOut[0] = SIGNAL_VERSION;
      writeU64n(signalHeaderOut, 1, seq);
      sealWithHeader(aead, signalSend.key, nonceFor(seq, nonce), signalHeaderOut, blob, out);
      return out;
    },

    openSignal(sealed) {
      live();
      try {
        if (!(sealed instanceof Uint8Array)) throw new BadHeaderError("signal blob is not bytes");
        if (sealed.length < SIGNAL_HEADER_BYTES + FRAME_TAG_BYTES || sealed.length > MAX_SIGNAL_BYTES) {
          throw new BadHeaderError(`signal blob length ${sealed.length} out of bounds`);
        }
        if (sealed[0] !== SIGNAL_VERSION) throw new BadHeaderError(`unsupported signal version ${sealed[0]}`);
        const seq = readU64n(sealed, 1);
        if (seq < 0) throw new BadHeaderError("signal sequence number out of range");
        signalReceive.window.check(seq);
        const blob = openAfterHeader(aead, signalReceive.key, nonceFor(seq, nonce), signalHeaderIn, sealed);
        signalReceive.window.commit(seq);
        return blob;
      } catch (e) {
        return count(e);
      }
    },

    rejections() {
      return { ...rejected };
    },

    wipe() {
      wiped = true;
      pending?.key.destroy();
      pending = undefined;
      staged = undefined;
      receive.clear();
      store.wipe();
    },
  };
}
