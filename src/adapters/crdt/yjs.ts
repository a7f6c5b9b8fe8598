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
 * - destroy() forgets content before destroying: it zeroes every binary value the doc holds
 *   (the app's own arrays too: Yjs keeps them by reference), clears every shared type in one
 *   transaction (Yjs' GC then drops the deleted content), clears awareness states/meta, then
 *   destroys both. Strings cannot be erased in JavaScript; docs/threat-model.md has the figure.
 * - Copies of the content we make ourselves are zeroed once used: our lib0 encoders after their
 *   bytes were copied out, the state update we answer a sync step 1 with, and lib0's module-level
 *   string scratch buffer (every string Yjs encodes passes through it) at destroy, and the update
 *   array Yjs hands to 'update' listeners when ours is the only listener (else the app's
 *   listeners share it, and it is left alone). While the peer's updates are applied, ours is
 *   detached when it is the only one, so Yjs makes no such copy of remote content at all.
 * - A local update's sync message is built in one exact-size array (`updateMessage`, the bytes of
 *   y-protocols' `writeUpdate`): a lib0 encoder would grow, copy and need zeroing twice.
 * - The bytes of every message on `outbound$` belong to the consumer (the runtime), which zeroes
 *   them once packed into a frame or dropped.
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

/** lib0 encoders keep their chunks for the GC, unzeroed: zero them once the bytes are copied out. */
function clearEncoder(e: encoding.Encoder): void {
  e.cbuf.fill(0);
  for (const b of e.bufs) b.fill(0);
}

/** Bytes of an encoder, with the encoder's own buffers zeroed. */
function takeBytes(e: encoding.Encoder): Uint8Array {
  const bytes = encoding.toUint8Array(e);
  clearEncoder(e);
  return bytes;
}

/**
 * y-protocols' `writeUpdate` message (varUint messageYjsUpdate, varUint length, the update),
 * byte for byte, in one exact-size array: a lib0 encoder allocates, copies and (for us) zeroes
 * a large update twice over (grown chunk, then `toUint8Array`), ~4 µs per 16 KB value.
 */
export function updateMessage(update: Uint8Array): Uint8Array {
  const n = update.length;
  let lengthBytes = 1;
  for (let v = n; v > 0x7f; v = Math.floor(v / 0x80)) lengthBytes++;
  const out = new Uint8Array(1 + lengthBytes + n);
  out[0] = syncProtocol.messageYjsUpdate; // < 0x80: one varUint byte
  let pos = 1;
  let v = n;
  while (v > 0x7f) {
    out[pos++] = 0x80 | (v & 0x7f);
    v = Math.floor(v / 0x80);
  }
  out[pos++] = v;
  out.set(update, pos);
  return out;
}

/** Yjs' own test (writeUpdateMessageFromTransaction) for "this transaction has an update to send". */
function changedDoc(tr: Y.Transaction): boolean {
  if (tr.deleteSet.clients.size > 0) return true;
  for (const [client, clock] of tr.afterState) if (tr.beforeState.get(client) !== clock) return true;
  return false;
}

/** Zeroes every Uint8Array inside a value Yjs stores (JSON-like trees; depth bounded). */
function zeroBinaries(v: unknown, depth = 0): void {
  if (depth > 64 || v === null || typeof v !== "object") return;
  if (v instanceof Uint8Array) v.fill(0);
  else if (Array.isArray(v)) for (const x of v) zeroBinaries(x, depth + 1);
  else if (!(v instanceof Y.AbstractType)) for (const x of Object.values(v)) zeroBinaries(x, depth + 1);
}

/** Zeroes the binary values held by the doc's items (ContentBinary, and any inside ContentAny/JSON/Embed). */
function zeroDocBinaries(doc: Y.Doc): void {
  doc.store.clients.forEach((structs) => {
    for (const s of structs) {
      if (!(s instanceof Y.Item)) continue;
      const c = s.content;
      if (c instanceof Y.ContentBinary) c.content.fill(0);
      else if (c instanceof Y.ContentAny || c instanceof Y.ContentJSON) zeroBinaries(c.arr);
      else if (c instanceof Y.ContentEmbed) zeroBinaries(c.embed);
    }
  });
}

/**
 * lib0's `writeVarString` passes every string through one module-level 30 KB scratch buffer
 * that nobody clears. Encoding a string that fills it (9,999 three-byte characters) overwrites
 * what the session's strings left there.
 */
let scratchFiller: string | undefined;
function overwriteLib0StringScratch(): void {
  scratchFiller ??= "\u0800".repeat(9_999);
  const e = encoding.createEncoder();
  encoding.writeVarString(e, scratchFiller);
  clearEncoder(e);
}

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
  const synced = new Subject<void>();
  let destroyed = false;
  /** A step 2 was applied in the current receive/receiveBatch call (announced once it returns). */
  let step2Applied = false;
  /** markActive() calls so far: the counter in our awareness state that makes each one a change. */
  let activeMarks = 0;

  const emitSync = (write: (e: encoding.Encoder) => void, request = false): void => {
    const e = encoding.createEncoder();
    write(e);
    const bytes = takeBytes(e);
    outbound.next(request ? { kind: "sync", bytes, request } : { kind: "sync", bytes });
  };

  const onUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin !== WIPE) {
      changes.next({ kind: "doc", origin: origin === REMOTE ? "remote" : "local" });
      if (origin !== REMOTE) outbound.next({ kind: "sync", bytes: updateMessage(update) });
    }
    // Yjs made this array for the 'update' listeners; when ours is the only one, nobody else
    // will read it, so its copy of the content goes now rather than with the GC.
    if (onlyUpdateListener()) update.fill(0);
  };
  const onlyUpdateListener = (): boolean => {
    const observers = (doc as unknown as { _observers?: Map<string, Set<unknown>> })._observers;
    const set = observers?.get("update");
    return set !== undefined && set.size === 1 && set.has(onUpdate);
  };
  /**
   * Yjs encodes an update after every transaction that has 'update' listeners; for the peer's
   * transactions ours would only zero it (a 16 KB value cost a 16 KB encode, a 32 KB grown lib0
   * chunk and a memset, and left one more copy of the content for the GC). So when ours is the
   * only listener it is taken off between a remote transaction's cleanup (observers done) and
   * Yjs' update check for it, and the change is reported from the transaction by Yjs' own
   * has-content test. It is back before the next transaction's check: a local transaction an
   * observer opened meanwhile (a store binding answering the peer) is sent as always.
   */
  let detached = false;
  const attach = (): void => {
    if (!detached) return;
    detached = false;
    doc.on("update", onUpdate);
  };
  const onTransactionCleanup = (tr: Y.Transaction): void => {
    if (tr.origin === REMOTE && (detached ? !doc._observers.has("update") : onlyUpdateListener())) {
      if (!detached) doc.off("update", onUpdate);
      detached = true;
      if (changedDoc(tr)) changes.next({ kind: "doc", origin: "remote" });
    } else attach();
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
  doc.on("afterTransactionCleanup", onTransactionCleanup);
  // If a cleanup throws after we stepped off, the next transaction still finds us listening.
  doc.on("beforeTransaction", attach);
  doc.on("afterAllTransactions", attach);
  awareness.on("update", onAwarenessUpdate);
  awareness.on("change", onAwarenessChange);

  const alive = (): void => {
    if (destroyed) throw new CrdtDestroyedError("the Yjs binding was destroyed");
  };

  const receiveSync = (bytes: Uint8Array, request: boolean): void => {
    let type: number;
    let payload: Uint8Array | undefined;
    let reply: encoding.Encoder | undefined;
    let isStep2 = false;
    try {
      const d = decoding.createDecoder(bytes);
      type = decoding.readVarUint(d);
      if (type === syncProtocol.messageYjsSyncStep1) {
        // y-protocols' readSyncStep1, with the state update zeroed once copied into the reply.
        const stateVector = decoding.readVarUint8Array(d);
        const update = Y.encodeStateAsUpdate(doc, stateVector);
        reply = encoding.createEncoder();
        encoding.writeVarUint(reply, syncProtocol.messageYjsSyncStep2);
        encoding.writeVarUint8Array(reply, update);
        update.fill(0);
      } else if (type === syncProtocol.messageYjsSyncStep2 || type === syncProtocol.messageYjsUpdate) {
        payload = decoding.readVarUint8Array(d);
        isStep2 = type === syncProtocol.messageYjsSyncStep2;
      } else {
        throw new CrdtDecodeError(`unknown y-protocols sync message type ${type}`);
      }
      if (d.pos !== bytes.length) throw new CrdtDecodeError("trailing bytes after a sync message");
    } catch (err) {
      if (err instanceof CrdtDecodeError) throw err;
      throw new CrdtDecodeError("malformed y-protocols sync message", { cause: err });
    }
    if (reply !== undefined) {
      outbound.next({ kind: "sync", bytes: takeBytes(reply) });
      if (request) emitSync((e) => syncProtocol.writeSyncStep1(e, doc)); // the peer asked for a round back
      return;
    }
    try {
      Y.applyUpdate(doc, payload!, REMOTE);
    } catch (err) {
      throw new CrdtDecodeError("the peer's Yjs update could not be applied", { cause: err });
    }
    if (isStep2) step2Applied = true;
  };

  const announceSynced = (): void => {
    if (!step2Applied) return;
    step2Applied = false;
    synced.next();
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
    synced$: synced.asObservable(),
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
      try {
        receiveOne(message);
      } finally {
        announceSynced();
      }
    },
    receiveBatch(messages) {
      alive();
      try {
        if (messages.length === 1) return receiveOne(messages[0]!);
        // One remote transaction for the whole batch: every nested applyUpdate joins it, so Yjs
        // runs its cleanup (observers, the update event and its re-encoding) once, not per message.
        Y.transact(doc, () => {
          for (const m of messages) receiveOne(m);
        }, REMOTE, false);
      } finally {
        announceSynced();
      }
    },
    markActive() {
      alive();
      awareness.setLocalStateField("active", ++activeMarks);
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
      doc.off("afterTransactionCleanup", onTransactionCleanup);
      doc.off("beforeTransaction", attach);
      doc.off("afterAllTransactions", attach);
      awareness.off("update", onAwarenessUpdate);
      awareness.off("change", onAwarenessChange);
      // Forget the content: zero the binary values, delete everything (GC drops deleted
      // content), then destroy.
      zeroDocBinaries(doc);
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
      overwriteLib0StringScratch();
      outbound.complete();
      changes.complete();
      synced.complete();
    },
  };
}
