/**
 * A Yjs binding whose outbound stream can be fed garbage: a broken peer that holds the keys
 * (the forgetting tests end a session on a fatal decode error with it).
 */
import { Subject, merge } from "rxjs";
import { createYjsCrdt } from "../../src/adapters/crdt/yjs.js";
import type { Crdt, CrdtMessage } from "../../src/adapters/crdt/types.js";

export function evilCrdt(): { crdt: Crdt; inject: (m: CrdtMessage) => void } {
  const inner = createYjsCrdt();
  const extra = new Subject<CrdtMessage>();
  const crdt: Crdt = {
    kind: "evil-yjs",
    doc: inner.doc,
    awareness: inner.awareness,
    outbound$: merge(inner.outbound$, extra),
    changes$: inner.changes$,
    synced$: inner.synced$,
    get destroyed() {
      return inner.destroyed;
    },
    syncStart: () => inner.syncStart(),
    receive: (m) => inner.receive(m),
    setPresence: (x) => inner.setPresence(x),
    markActive: () => inner.markActive(),
    peers: () => inner.peers(),
    forgetPeers: () => inner.forgetPeers(),
    destroy: () => {
      extra.complete();
      inner.destroy();
    },
  };
  return { crdt, inject: (m) => extra.next(m) };
}
