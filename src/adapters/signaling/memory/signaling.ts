/**
 * In-memory signaling: a relay-like mailbox service shared by the devices of one MemoryNetwork.
 * Nameplates are small numbers handed out lowest-free-first and released when the host closes;
 * a third party on a nameplate is refused; private mailboxes are keyed by the id both devices
 * compute. Blobs are copied, delivered in order on the network's rounds, held while the peer is
 * absent (bounded), and never inspected.
 */
import {
  BlobTooLargeError, SignalingError, NameplateCrowdedError, NameplateNotFoundError, SignalingClosedError, SignalingLimitError,
  type Signaling, type SignalingSession,
} from "../types.js";
import { otherSide, type Side } from "../../../protocol/rendezvous.js";
import { Inbox } from "../../../testing/network/inbox.js";
import type { NetworkCore } from "../../../testing/network/core.js";

export const MEMORY_SIGNALING_LIMITS = Object.freeze({
  maxBlobBytes: 64 * 1024,
  /** Blobs held for a side that has not (re)opened its session. */
  maxHeldBlobs: 64,
});


class MemorySession implements SignalingSession {
  readonly inbox = new Inbox<Uint8Array>();
  readonly messages$ = this.inbox.stream;
  readonly peerJoined: Promise<void>;
  resolvePeerJoined!: () => void;
  closedFlag = false;

  constructor(
    readonly nameplate: string,
    readonly box: Mailbox,
    readonly side: Side,
    readonly device: string,
    private readonly relay: MemoryRelay,
  ) {
    // Never rejects: a host that never sees a peer leaves no unhandled rejection behind.
    this.peerJoined = new Promise((r) => (this.resolvePeerJoined = r));
  }

  async send(blob: Uint8Array): Promise<void> {
    if (this.closedFlag) throw new SignalingClosedError("signaling session is closed");
    if (!(blob instanceof Uint8Array)) throw new TypeError("send() takes a Uint8Array");
    if (blob.length > MEMORY_SIGNALING_LIMITS.maxBlobBytes) {
      throw new BlobTooLargeError(`blob of ${blob.length} bytes exceeds ${MEMORY_SIGNALING_LIMITS.maxBlobBytes}`);
    }
    this.relay.post(this.box, otherSide(this.side), blob.slice());
  }

  async close(): Promise<void> {
    this.relay.closeSession(this);
  }
}

interface Mailbox {
  readonly key: string;
  readonly nameplate: string;
  readonly sessions: Partial<Record<Side, MemorySession>>;
  /** Blobs for a side, delivered on rounds; held while that side has no session. */
  readonly held: Record<Side, Uint8Array[]>;
  readonly everOpened: Record<Side, boolean>;
  /** Nameplate boxes only: the side that may join is taken once. */
  joined: boolean;
  readonly isNameplate: boolean;
}

/** Shared by every device's signaling. */
export class MemoryRelay {
  private readonly boxes = new Map<string, Mailbox>();
  private readonly nameplates = new Map<string, Mailbox>();

  constructor(private readonly core: NetworkCore) {}

  private box(key: string, nameplate: string, isNameplate: boolean): Mailbox {
    let b = this.boxes.get(key);
    if (b === undefined) {
      b = { key, nameplate, sessions: {}, held: { host: [], join: [] }, everOpened: { host: false, join: false }, joined: false, isNameplate };
      this.boxes.set(key, b);
    }
    return b;
  }

  claimNameplate(device: string): MemorySession {
    let n = 1;
    while (this.nameplates.has(String(n))) n++;
    const np = String(n);
    const b = this.box(`np:${np}`, np, true);
    this.nameplates.set(np, b);
    return this.open(b, "host", device);
  }

  joinNameplate(nameplate: string, device: string): MemorySession {
    const b = this.nameplates.get(nameplate);
    if (b === undefined || b.sessions.host === undefined) throw new NameplateNotFoundError(`no one is hosting nameplate ${JSON.stringify(nameplate.slice(0, 16))}`);
    if (b.joined) throw new NameplateCrowdedError("that nameplate already has two devices");
    b.joined = true;
    return this.open(b, "join", device);
  }

  mailbox(id: string, side: Side, device: string): MemorySession {
    return this.open(this.box(`mb:${id}`, id, false), side, device);
  }

  private open(b: Mailbox, side: Side, device: string): MemorySession {
    b.sessions[side]?.close();
    const s = new MemorySession(b.nameplate, b, side, device, this);
    b.sessions[side] = s;
    b.everOpened[side] = true;
    if (b.everOpened[otherSide(side)]) {
      s.resolvePeerJoined();
      b.sessions[otherSide(side)]?.resolvePeerJoined();
    }
    this.drain(b, side);
    return s;
  }

  post(b: Mailbox, to: Side, blob: Uint8Array): void {
    if (b.sessions[to] === undefined && b.held[to].length >= MEMORY_SIGNALING_LIMITS.maxHeldBlobs) {
      throw new SignalingLimitError("too many blobs waiting for the peer");
    }
    b.held[to].push(blob);
    this.drain(b, to);
  }

  /** Move held blobs for `side` onto the network's rounds (in order) if that side is present. */
  private drain(b: Mailbox, side: Side): void {
    const s = b.sessions[side];
    if (s === undefined) return;
    while (b.held[side].length > 0) {
      const blob = b.held[side].shift()!;
      this.core.enqueue(`s:${b.key}:${side}`, {
        run: () => {
          // If the session was replaced meanwhile, the new one gets it.
          const now = b.sessions[side];
          if (now !== undefined) now.inbox.push(blob);
          else b.held[side].push(blob);
        },
      });
    }
  }

  closeSession(s: MemorySession): void {
    if (s.closedFlag) return;
    s.closedFlag = true;
    s.inbox.complete();
    const b = s.box;
    if (b.sessions[s.side] === s) delete b.sessions[s.side];
    if (b.isNameplate && s.side === "host") this.nameplates.delete(b.nameplate);
    // Nobody left on it: forget the box and whatever it held.
    if (b.sessions.host === undefined && b.sessions.join === undefined) this.boxes.delete(b.key);
  }
}

export function createMemorySignaling(relay: MemoryRelay, device: string): Signaling {
  const sessions = new Set<SignalingSession>();
  let closed = false;
  const track = (s: MemorySession): SignalingSession => {
    sessions.add(s);
    return s;
  };
  const check = (signal?: AbortSignal) => {
    if (closed) throw new SignalingClosedError("signaling is closed");
    if (signal?.aborted) throw new SignalingClosedError("aborted");
  };
  return {
    kind: "memory",
    async host(options) {
      check(options?.signal);
      return track(relay.claimNameplate(device));
    },
    async join(nameplate, options) {
      check(options?.signal);
      if (typeof nameplate !== "string" || nameplate.length === 0 || nameplate.length > 64) {
        throw new NameplateNotFoundError("not a nameplate");
      }
      return track(relay.joinNameplate(nameplate, device));
    },
    async mailbox(id, side, options) {
      check(options?.signal);
      if (typeof id !== "string" || !/^[0-9a-zA-Z_-]{8,128}$/.test(id)) throw new SignalingError("not a mailbox id");
      if (side !== "host" && side !== "join") throw new TypeError("side must be host or join");
      return track(relay.mailbox(id, side, device));
    },
    async close() {
      closed = true;
      for (const s of [...sessions]) await s.close();
      sessions.clear();
    },
  };
}
