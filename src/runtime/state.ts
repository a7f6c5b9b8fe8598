/**
 * The plain, secret-free picture of an engine for `state$` and `snapshot()`: the status from the
 * actors' tags, each actor's state value and the primitive fields of its context (machines keep
 * only public data there; the nested `timings` object is left out because it never changes),
 * countdowns on the engine clock, the link's counters and the key store's census.
 */
import type { AnyActorRef } from "xstate";
import { pathRoute } from "../adapters/transport/path.js";
import type { Timings } from "../machines/protocol.js";
import type { SessionScope } from "./scope.js";
import type { ActorView, EngineState, EngineStatus } from "./types.js";

interface TaggedSnapshot {
  readonly value?: unknown;
  readonly status?: string;
  readonly context?: unknown;
  readonly children?: Record<string, AnyActorRef | undefined>;
  hasTag?(tag: string): boolean;
}

const snapshotOf = (ref: AnyActorRef | undefined): TaggedSnapshot | undefined => ref?.getSnapshot() as TaggedSnapshot | undefined;

/** The engine's status, from the session's tags and, while active, the connection's. */
export function statusOf(session: AnyActorRef, ended: boolean): EngineStatus {
  const s = snapshotOf(session);
  if (ended || s === undefined) return ended ? "ended" : "idle";
  if (s.status !== "active") return "ended"; // done (or failed): the engine's end follows in the same turn
  if (s.hasTag?.("idle") === true) return "idle";
  if (s.hasTag?.("pairing") === true) return "pairing";
  const connection = snapshotOf(s.children?.["connection"]);
  if (connection?.hasTag?.("connected") === true) return "connected";
  if (connection?.hasTag?.("reconnecting") === true) return "reconnecting";
  return "connecting";
}

function plainContext(context: unknown): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  if (typeof context !== "object" || context === null) return out;
  for (const [k, v] of Object.entries(context as Record<string, unknown>)) {
    if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[k] = v;
  }
  return out;
}

function view(ref: AnyActorRef): ActorView | undefined {
  const s = snapshotOf(ref);
  if (s === undefined) return undefined;
  return { value: JSON.parse(JSON.stringify(s.value ?? null)) as unknown, status: String(s.status), context: plainContext(s.context) };
}

/** The session and every live actor below it, by id (machines only: I/O actors have no state value). */
export function actorViews(root: AnyActorRef): Record<string, ActorView> {
  const out: Record<string, ActorView> = {};
  const visit = (id: string, ref: AnyActorRef): void => {
    const s = snapshotOf(ref);
    if (s === undefined || s.value === undefined) return;
    const v = view(ref);
    if (v !== undefined) out[id] = v;
    for (const [childId, child] of Object.entries(s.children ?? {})) if (child !== undefined) visit(childId, child);
  };
  visit("session", root);
  return out;
}

export interface StateInputs {
  readonly scope: SessionScope;
  readonly session: AnyActorRef;
  readonly timings: Timings;
  readonly ended: boolean;
  readonly endReason: EngineState["endReason"];
  readonly nameplate: string | null;
  readonly pairedAt: number | null;
}

export function engineState(i: StateInputs): EngineState {
  const { scope, timings } = i;
  const now = scope.clock.now();
  const running = !i.ended && i.pairedAt !== null;
  const link = scope.link;
  const secure = scope.secure;
  const sessionContext = snapshotOf(i.session)?.context as { strict?: boolean; verifiedByPeer?: boolean } | undefined;
  return {
    status: statusOf(i.session, i.ended),
    role: scope.role,
    nameplate: i.nameplate,
    endReason: i.endReason,
    actors: i.ended ? {} : actorViews(i.session),
    channel: link ? { id: link.channel.id, state: link.channel.state, bufferedAmount: link.channel.bufferedAmount } : null,
    path: link ? { ...link.channel.path, route: pathRoute(link.channel.path) } : null,
    verification:
      secure && !i.ended
        ? {
            words: secure.words,
            strict: sessionContext?.strict === true,
            confirmedHere: scope.verifiedHere,
            confirmedByPeer: sessionContext?.verifiedByPeer === true,
          }
        : null,
    syncing: !i.ended && scope.syncAllowed$.value,
    epoch: secure && !secure.channel.wiped ? secure.channel.sendEpoch : null,
    countdowns: {
      inactivityMs: running ? Math.max(0, scope.liveness.activityAt + timings.inactivityMs - now) : null,
      expiryMs: running ? Math.max(0, i.pairedAt! + timings.maxSessionMs - now) : null,
      rotationMs: running && secure ? Math.max(0, secure.rotation.epochStartedAt + timings.rotationMs - now) : null,
    },
    peers: scope.crdt.destroyed ? [] : scope.crdt.peers().map(({ device, doing }) => ({ device, doing })),
    counters: link
      ? {
          ...scope.counters,
          "link.framesIn": link.stats.framesIn,
          "link.resyncs": link.stats.resyncs,
          "link.framesOut": link.stats.framesOut,
          "link.pauses": link.stats.pauses,
          "link.queued": link.stats.queued,
        }
      : { ...scope.counters },
    keys: scope.keyStore.census(),
  };
}
