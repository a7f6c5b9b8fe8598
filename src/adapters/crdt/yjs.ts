/**
 * The Yjs binding: one Y.Doc + one y-protocols Awareness, speaking y-protocols' own wire
 * messages (y-protocols/sync, y-protocols/awareness, lib0 encoders). Nothing home-made on the
 * wire: a `sync` message is exactly what `writeSyncStep1`/`writeSyncStep2`/`writeUpdate` produce,
 * an `awareness` message exactly what `encodeAwarenessUpdate` produces.
 *
 * Why some parts are done by hand:
 * - y-protocols' `readSyncStep2` catches apply errors and `console.error`s them; we decode the
 *   message with lib0 and call `Y.applyUpdate` ourselves so a bad update is a typed error the
 *   runtime counts, not a log line.
 * - Awareness runs a wall-clock interval (renew every 15 s, drop peers after 30 s). Renewals are
 *   forwarded to the peer but never reported as changes, and removals with origin `timeout`
 *   (wall-clock driven) are not changes either: the wall clock must not touch the lifecycle.
 * - destroy() forgets content before destroying: it clears every shared type in one transaction
 *   (Yjs' GC then drops the deleted content), clears awareness states/meta, then destroys both.
 */
import { Subject } from "rxjs";
import * as Y from "yjs";
import * as encoding from "lib0/encoding";
import * as decoding from "lib0/decoding";
import * as syncProtocol from "y-protocols/sync";
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from "y-protocols/awareness";
import { CrdtDecodeError, CrdtDestroyedError, type Crdt, type CrdtChange, type CrdtMessage, type Presence } from "./types.js";

/** Transaction origin for everything applied from the peer (never echoed back). */
const REMOTE = Symbol("lethe.remote");
/** Transaction origin for the wipe on destroy (never sent). */
const WIPE = Symbol("lethe.wipe");

/** Bound on one presence field, so a hostile peer cannot make `peers()` return megabytes. */
const MAX_PRESENCE_FIELD = 256;

export interface YjsCrdtOptions {
  /** Use an existing (empty) doc; default a fresh Y.Doc with GC on. */
  readonly doc?: Y.Doc;
  /** Fix the Yjs client id (reproducible tests); default Yjs' random one. */
  readonly clientId?: number;
}

export function createYjsCrdt(options: YjsCrdtOptions = {}): Crdt {
  const doc = options.doc ?? new Y.Doc({ gc: true });
  if (options.clientId !== undefined) doc.clientID = options.clientId;
  const awareness = new Awareness(doc);
  const outbound = new Subject<CrdtMessage>();
  const changes = new Subject<CrdtChange>();
  let destroyed = false;

  const emitSync = (write: (e: encoding.Encoder) => void, request = false): void => {
    const e = encoding.createEncoder();
    write(e);
    const bytes = encoding.toUint8Array(e);
    outbound.next(request ? { kind: "sync", bytes, request } : { kind: "sync", bytes });
  };

  const onUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === WIPE) return;
    changes.next({ kind: "doc", origin: origin === REMOTE ? "remote" : "local" });
    if (origin !== REMOTE) emitSync((e) => syncProtocol.writeUpdate(e, update));
  };
  const onAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    // Only our own state goes out; remote states are never relayed (two devices, no mesh).
    if (origin === REMOTE || origin === "timeout") return;
    const mine = [...added, ...updated, ...removed].filter((id) => id === awareness.clientID);
    if (mine.length === 0) return;
    outbound.next({ kind: "awareness", bytes: encodeAwarenessUpdate(awareness, mine) });
  };
  const onAwarenessChange = (_: unknown, origin: unknown): void => {
    if (origin === "timeout") return; // wall-clock driven: not activity
    changes.next({ kind: "awareness", origin: origin === REMOTE ? "remote" : "local" });
  };
  doc.on("update", onUpdate);
  awareness.on("update", onAwarenessUpdate);
  awareness.on("change", onAwarenessChange);

  const alive = (): void => {
    if (destroyed) throw new CrdtDestroyedError("the Yjs binding was destroyed");
  };

  const receiveSync = (bytes: Uint8Array, request: boolean): void => {
    let type: number;
    let payload: Uint8Array | undefined;
    let reply: encoding.Encoder | undefined;
    try {
      const d = decoding.createDecoder(bytes);
      type = decoding.readVarUint(d);
      if (type === syncProtocol.messageYjsSyncStep1) {
        reply = encoding.createEncoder();
        syncProtocol.readSyncStep1(d, reply, doc);
      } else if (type === syncProtocol.messageYjsSyncStep2 || type === syncProtocol.messageYjsUpdate) {
        payload = decoding.readVarUint8Array(d);
      } else {
        throw new CrdtDecodeError(`unknown y-protocols sync message type ${type}`);
      }
      if (d.pos !== bytes.length) throw new CrdtDecodeError("trailing bytes after a sync message");
    } catch (err) {
      if (err instanceof CrdtDecodeError) throw err;
      throw new CrdtDecodeError("malformed y-protocols sync message", { cause: err });
    }
    if (reply !== undefined) {
      outbound.next({ kind: "sync", bytes: encoding.toUint8Array(reply) });
      if (request) emitSync((e) => syncProtocol.writeSyncStep1(e, doc)); // the peer asked for a round back
      return;
    }
    try {
      Y.applyUpdate(doc, payload!, REMOTE);
    } catch (err) {
      throw new CrdtDecodeError("the peer's Yjs update could not be applied", { cause: err });
    }
  };

  const receiveAwareness = (bytes: Uint8Array): void => {
    try {
      applyAwarenessUpdate(awareness, bytes, REMOTE);
    } catch (err) {
      throw new CrdtDecodeError("malformed y-protocols awareness update", { cause: err });
    }
  };

  const receiveOne = (message: CrdtMessage): void => {
    if (!(message.bytes instanceof Uint8Array)) throw new CrdtDecodeError("a message must be a Uint8Array");
    if (message.kind === "sync") receiveSync(message.bytes, message.request === true);
    else if (message.kind === "awareness") receiveAwareness(message.bytes);
    else throw new CrdtDecodeError("unknown message kind");
  };

  const isPresence = (v: unknown): v is Presence => {
    if (typeof v !== "object" || v === null) return false;
    const r = v as Record<string, unknown>;
    return typeof r["device"] === "string" && typeof r["doing"] === "string"
      && r["device"].length <= MAX_PRESENCE_FIELD && r["doing"].length <= MAX_PRESENCE_FIELD;
  };

  return {
    kind: "yjs",
    doc,
    awareness,
    outbound$: outbound.asObservable(),
    changes$: changes.asObservable(),
    get destroyed() {
      return destroyed;
    },
    syncStart(options) {
      alive();
      emitSync((e) => syncProtocol.writeSyncStep1(e, doc), options?.request === true);
      if (awareness.getLocalState() !== null) {
        outbound.next({ kind: "awareness", bytes: encodeAwarenessUpdate(awareness, [awareness.clientID]) });
      }
    },
    receive(message) {
      alive();
      receiveOne(message);
    },
    receiveBatch(messages) {
      alive();
      if (messages.length === 1) return receiveOne(messages[0]!);
      // One remote transaction for the whole batch: every nested applyUpdate joins it, so Yjs
      // runs its cleanup (observers, the update event and its re-encoding) once, not per message.
      Y.transact(doc, () => {
        for (const m of messages) receiveOne(m);
      }, REMOTE, false);
    },
    setPresence(presence) {
      alive();
      const device = String(presence.device).slice(0, MAX_PRESENCE_FIELD);
      const doing = String(presence.doing).slice(0, MAX_PRESENCE_FIELD);
      awareness.setLocalState({ ...(awareness.getLocalState() ?? {}), device, doing });
    },
    peers() {
      const out: Array<Presence & { clientId: number }> = [];
      if (destroyed) return out;
      awareness.getStates().forEach((state, clientId) => {
        if (clientId !== awareness.clientID && isPresence(state)) {
          out.push({ clientId, device: state.device, doing: state.doing });
        }
      });
      return out;
    },
    forgetPeers() {
      if (destroyed) return;
      const remote = [...awareness.getStates().keys()].filter((id) => id !== awareness.clientID);
      if (remote.length > 0) removeAwarenessStates(awareness, remote, REMOTE);
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      doc.off("update", onUpdate);
      awareness.off("update", onAwarenessUpdate);
      awareness.off("change", onAwarenessChange);
      // Forget the content: delete everything (GC drops deleted content), then destroy.
      // Item by item, so it works for every root type, including ones that arrived from the
      // peer and were never opened here (Yjs keeps those as plain AbstractTypes).
      doc.transact((tr) => {
        for (const type of doc.share.values()) {
          type._map.forEach((item) => {
            if (!item.deleted) item.delete(tr);
          });
          for (let item = type._start; item !== null; item = item.right) {
            if (!item.deleted) item.delete(tr);
          }
        }
      }, WIPE);
      awareness.destroy(); // clears its wall-clock interval
      awareness.states.clear();
      awareness.meta.clear();
      doc.destroy();
      outbound.complete();
      changes.complete();
    },
  };
}
