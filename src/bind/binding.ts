/**
 * The binding between an app's store (anything with getState / setState / subscribe, such as a
 * Zustand vanilla store) and a Y.Map on a session's document. One binding per store lives as
 * long as the store; it attaches to one engine (one session) at a time.
 *
 * Life of an attachment: `waiting` until the engine says `connected` -> `seeding` (the seed
 * exchange below) -> `live` (two-way) -> `detached` when the session ends; the store keeps its
 * last values. Between sessions the binding still watches the store and stamps local changes,
 * so the next pairing's `newest` policy knows which side changed a key last.
 *
 * Seed exchange, carried in the document itself (so it needs no engine signal for "the initial
 * sync is done": each side waits for the other's write to arrive):
 *   joiner: writes an offer (its policy, synced values and stamps) into `<map>#seed`;
 *   host:   on the offer, decides (seed.ts), writes the values into `<map>`, the stamps into
 *           `<map>#stamps` and `seeded` into `<map>#seed`, in one transaction; sets its store;
 *   joiner: on `seeded`, takes the map into its store (keeping keys it changed since its offer,
 *           which it then writes like any local change).
 * The host's policy decides. Live: a local store change becomes one transaction of per-key sets
 * (a key whose value equals the document's writes nothing); a transaction from the peer becomes
 * one setState with the changed keys. The binding's own transactions carry its origin, and the
 * setState it makes is ignored by its own listener, so nothing echoes.
 */
import type { Observable } from "rxjs";
import type * as Y from "yjs";
import type { EngineEvent, EngineState } from "../runtime/types.js";
import { BindDetachedError, BindDocumentError, BindStateError } from "./errors.js";
import { SEED_POLICIES, seed, type SeedPolicy, type SeedSide } from "./seed.js";
import { compareStamps, isStamp, StampBook, type Stamp } from "./stamps.js";
import { plainCopy, plainEqual } from "./values.js";

/** The store shape the binding needs (Zustand's `StoreApi` has it). */
export interface BindableStore<S extends object> {
  getState(): S;
  setState(partial: Partial<S>): void;
  subscribe(listener: (state: S, previous: S) => void): () => void;
}

/** What the binding needs of an engine (`SyncEngine` has it). */
export interface BindableEngine {
  readonly doc: Y.Doc;
  readonly events$: Observable<EngineEvent>;
  snapshot(): Pick<EngineState, "status" | "role">;
}

export interface StoreBindingOptions<S extends object> {
  /** The Y.Map on the document that holds the store's values (default "store"). */
  readonly map?: string;
  /** Whose values win at pairing where both devices hold one (default "newest"). The host's decides. */
  readonly seed?: SeedPolicy;
  /** Store keys to sync (default: every key whose value is not a function — Zustand keeps actions there). */
  readonly keys?: readonly Extract<keyof S, string>[];
  /**
   * Errors once live (a value from the peer that is not plain, a store listener that threw while
   * the binding applied the peer's change). Default: rethrown from a microtask, so they surface
   * as uncaught errors in the app instead of failing the document's transaction.
   */
  readonly onError?: (error: Error) => void;
  /** Writer id in the stamps (default random); stable ids make ties reproducible in tests. */
  readonly writer?: string;
}

export type BoundStatus = "waiting" | "seeding" | "live" | "detached";

/** One store attached to one session. */
export interface BoundSession {
  readonly status: BoundStatus;
  /**
   * Resolves once this device's store holds the seeded values and syncs both ways. Rejects with
   * BindDetachedError if the session ends first, or with the seed's error (BindDocumentError).
   */
  readonly ready: Promise<void>;
  /** Stop syncing now (the store keeps its values). Idempotent. */
  detach(): void;
}

export interface StoreBinding {
  /** Attach to a session: starts at its `connected`, ends with it. One session at a time. */
  attach(engine: BindableEngine): BoundSession;
  /** The current or last attachment. */
  readonly session: BoundSession | null;
  /** Detach and stop watching the store. Idempotent. */
  dispose(): void;
}

/** Origin of the binding's own transactions. */
const BIND = Symbol("lethe.bind");

interface Offer {
  readonly policy: SeedPolicy;
  readonly state: Record<string, unknown>;
  readonly stamps: Record<string, Stamp>;
}

function randomWriter(): string {
  const b = new Uint8Array(8);
  globalThis.crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function decodeOffer(v: unknown): Offer {
  const r = v as Record<string, unknown> | null;
  if (typeof r !== "object" || r === null || !SEED_POLICIES.includes(r["policy"] as SeedPolicy)) {
    throw new BindDocumentError("the peer's seed offer is malformed");
  }
  const state = r["state"];
  const stamps = r["stamps"];
  if (typeof state !== "object" || state === null || typeof stamps !== "object" || stamps === null) {
    throw new BindDocumentError("the peer's seed offer is malformed");
  }
  const out: Record<string, Stamp> = {};
  for (const [k, s] of Object.entries(stamps)) {
    if (!isStamp(s)) throw new BindDocumentError(`the peer's seed offer has a malformed stamp for "${k}"`);
    out[k] = s;
  }
  const values: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(state)) values[k] = plainCopy(k, x);
  return { policy: r["policy"] as SeedPolicy, state: values, stamps: out };
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void; settled: () => boolean } {
  let done = false;
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = () => {
      done = true;
      res();
    };
    reject = (e) => {
      done = true;
      rej(e);
    };
  });
  promise.catch(() => undefined); // observed through `ready`; never an unhandled rejection
  return { promise, resolve, reject, settled: () => done };
}

export function createStoreBinding<S extends object>(store: BindableStore<S>, options: StoreBindingOptions<S> = {}): StoreBinding {
  const mapName = options.map ?? "store";
  if (typeof mapName !== "string" || mapName.length === 0 || mapName.includes("#")) {
    throw new TypeError("map must be a non-empty name without '#'");
  }
  const policy = options.seed ?? "newest";
  if (!SEED_POLICIES.includes(policy)) throw new TypeError(`seed must be one of ${SEED_POLICIES.join(", ")}`);
  const fixedKeys = options.keys ? new Set<string>(options.keys) : undefined;
  const book = new StampBook(options.writer ?? randomWriter());
  const report = options.onError ?? ((e: Error) => queueMicrotask(() => { throw e; }));

  const record = (s: S) => s as unknown as Record<string, unknown>;
  const synced = (state: Record<string, unknown>, key: string): boolean =>
    fixedKeys ? fixedKeys.has(key) : typeof state[key] !== "function";
  /** Plain copies of the synced keys that hold a value (BindValueError on the first bad one). */
  const syncedValues = (state: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    const keys = fixedKeys ? [...fixedKeys] : Object.keys(state);
    for (const k of keys) if (synced(state, k) && state[k] !== undefined) out[k] = plainCopy(k, state[k]);
    return out;
  };

  let last = record(store.getState());
  syncedValues(last); // a store that cannot be synced fails here, at once
  let applying = false;
  let current: Attachment | null = null;
  let disposed = false;

  /** Set the store from the peer's values: one setState, ignored by our own listener. */
  const applyToStore = (partial: Record<string, unknown>): void => {
    if (Object.keys(partial).length === 0) return;
    applying = true;
    try {
      store.setState(partial as Partial<S>);
    } finally {
      applying = false;
      last = record(store.getState());
    }
  };

  const unsubscribe = store.subscribe((next) => {
    const state = record(next);
    if (applying) return;
    // Candidates by reference, then checked (a bad value throws to the setState caller, and
    // nothing is written or stamped) and compared by content.
    const changed = new Map<string, unknown>();
    for (const k of new Set([...Object.keys(last), ...Object.keys(state)])) {
      if (state[k] === last[k] || !synced(state, k)) continue;
      const v = state[k] === undefined ? undefined : plainCopy(k, state[k]);
      if (!plainEqual(v, last[k])) changed.set(k, v);
    }
    last = state;
    if (changed.size === 0) return;
    // Live: into the document. Otherwise (no session, seeding, or the engine already wiped the
    // document and its "ended" is on the way): stamped, for the next pairing's `newest`.
    if (current?.status === "live" && !current.docDestroyed()) current.writeLocal(changed);
    else for (const k of changed.keys()) book.bump(k);
  });

  class Attachment implements BoundSession {
    status: BoundStatus = "waiting";
    private readonly d = deferred();
    readonly ready = this.d.promise;
    private role: "host" | "join" | null = null;
    private data: Y.Map<unknown> | undefined;
    private stamps: Y.Map<unknown> | undefined;
    private seedMap: Y.Map<unknown> | undefined;
    /** The stamps we offered (joiner): a key stamped later was changed here since. */
    private offered: Record<string, Stamp> = {};
    private readonly sub: { unsubscribe(): void };

    constructor(private readonly engine: BindableEngine) {
      this.sub = engine.events$.subscribe({
        next: (ev) => {
          if (ev.type === "connected") this.guard(() => this.start());
          else if (ev.type === "ended") this.detach();
        },
        complete: () => this.detach(),
      });
      const status = engine.snapshot().status;
      if (status === "ended") this.detach();
      else if (status === "connected" || status === "reconnecting") this.guard(() => this.start());
    }

    docDestroyed(): boolean {
      return this.engine.doc.isDestroyed;
    }

    detach(): void {
      if (this.status === "detached") return;
      this.status = "detached";
      this.sub?.unsubscribe();
      this.data?.unobserve(this.onData);
      this.seedMap?.unobserve(this.onSeed);
      if (!this.d.settled()) this.d.reject(new BindDetachedError("the session ended before the stores were seeded"));
    }

    /** Run `f`; an error before live fails the attachment, after it goes to onError. */
    private guard(f: () => void): void {
      try {
        f();
      } catch (e) {
        const err = e instanceof Error ? e : new BindDocumentError(String(e));
        if (this.status === "live") return report(err);
        if (!this.d.settled()) this.d.reject(err);
        this.detach();
      }
    }

    private start(): void {
      if (this.status !== "waiting") return;
      const { role } = this.engine.snapshot();
      if (role === null) throw new BindStateError("the engine has no role (host() or join() was not called)");
      this.role = role;
      const doc = this.engine.doc;
      this.data = doc.getMap(mapName);
      this.stamps = doc.getMap(`${mapName}#stamps`);
      this.seedMap = doc.getMap(`${mapName}#seed`);
      this.data.observe(this.onData);
      this.seedMap.observe(this.onSeed);
      this.status = "seeding";
      if (role === "join") {
        this.offered = book.entries();
        const offer: Offer = { policy, state: syncedValues(record(store.getState())), stamps: this.offered };
        doc.transact(() => this.seedMap!.set("offer", offer), BIND);
      } else if (this.seedMap.has("offer")) {
        this.hostSeed();
      }
    }

    private readonly onSeed = (_: Y.YMapEvent<unknown>, tr: Y.Transaction): void => {
      if (tr.origin === BIND) return;
      this.guard(() => this.seedStep());
    };

    private readonly onData = (event: Y.YMapEvent<unknown>, tr: Y.Transaction): void => {
      if (tr.origin === BIND) return;
      if (this.status === "seeding") return this.guard(() => this.seedStep());
      // Only what came from the peer: local transactions that are not ours (the engine's wipe
      // at the end, code writing the map directly) never reach the store.
      if (this.status === "live" && !tr.local) this.guard(() => this.applyRemote(event.keysChanged));
    };

    private seedStep(): void {
      if (this.status !== "seeding") return;
      if (this.role === "host" && this.seedMap!.has("offer")) this.hostSeed();
      else if (this.role === "join" && this.seedMap!.has("seeded")) this.joinAdopt();
    }

    private hostSeed(): void {
      const offer = decodeOffer(this.seedMap!.get("offer"));
      const host: SeedSide = { state: syncedValues(record(store.getState())), stamps: book.entries() };
      const result = seed(policy, host, offer);
      const data = this.data!;
      this.engine.doc.transact(() => {
        for (const [k, v] of Object.entries(result.state)) {
          if (v === undefined) data.delete(k);
          else if (!plainEqual(data.get(k), v)) data.set(k, v);
        }
        for (const [k, s] of Object.entries(result.stamps)) this.stamps!.set(k, [s[0], s[1]]);
        this.seedMap!.delete("offer");
        this.seedMap!.set("seeded", { policy });
      }, BIND);
      for (const [k, s] of Object.entries(result.stamps)) book.adopt(k, s);
      const mine = record(store.getState());
      const partial: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(result.state)) {
        if (synced(mine, k) && !plainEqual(mine[k], v)) partial[k] = v === undefined ? undefined : plainCopy(k, v);
      }
      this.goLive(partial, new Map());
    }

    private joinAdopt(): void {
      const mine = record(store.getState());
      const keys = new Set([...this.data!.keys(), ...this.stamps!.keys(), ...Object.keys(syncedValues(mine))]);
      const partial: Record<string, unknown> = {};
      const keep = new Map<string, unknown>();
      for (const k of keys) {
        if (!synced(mine, k)) continue;
        const local = book.get(k);
        const offered = this.offered[k];
        if (local !== undefined && (offered === undefined || compareStamps(local, offered) > 0)) {
          // Changed here after the offer went out: ours is newer than the seed; write it next.
          keep.set(k, mine[k] === undefined ? undefined : plainCopy(k, mine[k]));
          continue;
        }
        const s = this.stamps!.get(k);
        if (isStamp(s)) book.adopt(k, s);
        const v = this.data!.get(k);
        if (!plainEqual(mine[k], v)) partial[k] = v === undefined ? undefined : plainCopy(k, v);
      }
      this.goLive(partial, keep);
    }

    private goLive(partial: Record<string, unknown>, keep: Map<string, unknown>): void {
      this.status = "live";
      this.d.resolve();
      applyToStore(partial);
      if (keep.size > 0) this.writeLocal(keep);
    }

    /** Local changes -> one transaction of per-key sets; equal values write nothing. */
    writeLocal(changed: Map<string, unknown>): void {
      const data = this.data!;
      const writes = [...changed].filter(([k, v]) => (v === undefined ? data.has(k) : !plainEqual(data.get(k), v)));
      if (writes.length === 0) return;
      this.engine.doc.transact(() => {
        for (const [k, v] of writes) {
          const s = book.bump(k);
          if (v === undefined) data.delete(k);
          else data.set(k, v);
          this.stamps!.set(k, [s[0], s[1]]);
        }
      }, BIND);
    }

    private applyRemote(keys: Set<string>): void {
      const mine = record(store.getState());
      const partial: Record<string, unknown> = {};
      for (const k of keys) {
        if (!synced(mine, k)) continue;
        const s = this.stamps!.get(k);
        if (isStamp(s)) book.adopt(k, s);
        const v = this.data!.get(k);
        if (!plainEqual(mine[k], v)) partial[k] = v === undefined ? undefined : plainCopy(k, v);
      }
      applyToStore(partial);
    }
  }

  return {
    attach(engine) {
      if (disposed) throw new BindStateError("the binding was disposed");
      if (current !== null && current.status !== "detached") throw new BindStateError("the binding is attached to a live session; one at a time");
      current = new Attachment(engine);
      return current;
    },
    get session() {
      return current;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      current?.detach();
      unsubscribe();
    },
  };
}

/**
 * One store, one session: `createStoreBinding(store, options).attach(engine)`, disposed when
 * the session ends. For apps that bind anew each session; keep a `createStoreBinding` instead
 * to carry `newest`'s stamps from one session to the next.
 */
export function bindStore<S extends object>(engine: BindableEngine, store: BindableStore<S>, options: StoreBindingOptions<S> = {}): BoundSession {
  const binding = createStoreBinding(store, options);
  const session = binding.attach(engine);
  const sub = engine.events$.subscribe({ complete: () => binding.dispose() });
  if (session.status === "detached") {
    sub.unsubscribe();
    binding.dispose();
  }
  return session;
}
