/**
 * What tests may see of an engine's insides, kept out of the production `SyncEngine`: the live
 * key buffers (to check they are zeroed), a hook told of them before every event and effect (so a
 * test holds every buffer that ever existed), and what is still running. Module-private: the
 * engine registers itself here, and only `lethe-sync/testing` reads it.
 */
import type { KeyStore } from "../adapters/crypto/index.js";
import type { Crdt } from "../adapters/crdt/types.js";
import type { SessionScope } from "./scope.js";

export interface EngineInternals {
  readonly keyStore: KeyStore;
  readonly crdt: Crdt;
  /** Called with the live key buffers now and before every event and effect. Returns unsubscribe. */
  watchSecrets(fn: (buffers: readonly Uint8Array[]) => void): () => void;
  /** Actors, channels, links and mailboxes still alive (empty once the session has ended). */
  liveResources(): string[];
}

const registry = new WeakMap<object, EngineInternals>();

/** The engine's secret watchers (the set made when the first one comes: only tests watch). */
export interface SecretWatchers {
  watchers: Set<(buffers: readonly Uint8Array[]) => void> | undefined;
}

interface ActorLike {
  getSnapshot(): unknown;
}

/** Registers an engine: its scope, its session actor, and the set of secret watchers it tells. */
export function registerInternals(
  engine: object,
  o: { readonly scope: SessionScope; readonly session: ActorLike; readonly secrets: SecretWatchers },
): void {
  const { scope, session, secrets } = o;
  registry.set(engine, {
    keyStore: scope.keyStore,
    crdt: scope.crdt,
    watchSecrets(fn) {
      const watchers = (secrets.watchers ??= new Set());
      watchers.add(fn);
      fn(scope.keyStore.secretBuffers());
      return () => watchers.delete(fn);
    },
    liveResources() {
      const live: string[] = [];
      const visit = (id: string, ref: ActorLike) => {
        const s = ref.getSnapshot() as { status?: string; children?: Record<string, ActorLike | undefined> };
        if (s.status !== "active") return;
        live.push(`actor:${id}`);
        for (const [childId, child] of Object.entries(s.children ?? {})) if (child) visit(childId, child);
      };
      visit("session", session);
      for (const id of scope.channels?.keys() ?? []) live.push(`channel:${id}`);
      if (scope.link) live.push(`link:${scope.link.channel.id}`);
      if (scope.mailbox) live.push("mailbox");
      return live;
    },
  });
}

export function internalsOf(engine: object): EngineInternals {
  const i = registry.get(engine);
  if (i === undefined) throw new TypeError("not an engine made by createSyncEngine");
  return i;
}
