/**
 * createSyncEngine: the product a host app embeds (DESIGN §2, §7; docs/api.md). Wiring only:
 * the session machine decides and invokes the I/O as actors (runtime/actors), the effects it asks
 * for run on the session's scope (effects.ts), RxJS pipelines carry the data (actors/peer-link.ts)
 * and the activity stamps (below), and state$ / events$ are views of all of it.
 *
 * Secrets: the pairing password and every key live in Uint8Arrays owned by the key store (or are
 * zeroed at once); nothing secret goes into an event, the actor, state$, events$ or errors.
 */
import { asapScheduler, auditTime, map, Observable, Subject } from "rxjs";
import { createActor, type InspectionEvent } from "xstate";
import { systemClock } from "../clock.js";
import { defaultComponents, type Components } from "../adapters/components.js";
import { generateCode, parseCode } from "../adapters/crypto/index.js";
import type { CrdtChange } from "../adapters/crdt/types.js";
import type { SignalingSession } from "../adapters/signaling/types.js";
import { DEFAULT_TIMINGS, type EndReason, type Role } from "../machines/protocol.js";
import { resolveTimings } from "../machines/timings.js";
import { bindSession } from "./binding.js";
import { sessionEffects } from "./effects.js";
import { EngineStateError, SessionEndedError } from "./errors.js";
import { registerInternals, type SecretWatchers } from "./introspection.js";
import { Outcome } from "./outcome.js";
import { createReporter, reportRejection } from "./report.js";
import { count, createScope, type SessionScope } from "./scope.js";
import { sessionLogic } from "./session-logic.js";
import { Sink } from "./sink.js";
import { engineState } from "./state.js";
import type { EngineEvent, EngineState, SyncEngine, SyncEngineOptions } from "./types.js";

export const DEFAULT_ENGINE_TIMINGS = DEFAULT_TIMINGS;

/** Every content change: a liveness stamp, a counter, and the peers for a remote presence change. */
class ActivityStamps extends Sink<CrdtChange> {
  constructor(private readonly scope: SessionScope) {
    super();
  }
  protected _next(c: CrdtChange): void {
    const { scope } = this;
    scope.liveness.activity();
    count(scope, `activity.${c.kind}.${c.origin}`);
    if (c.kind === "awareness" && c.origin === "remote") scope.announce({ type: "presence", peers: scope.crdt.peers().map(({ device, doing }) => ({ device, doing })) });
  }
  protected _error(e: unknown): void {
    this.unsubscribe();
    this.scope.report(e, "crdt");
  }
}

/** A sync round completed: a `synced` event. */
class SyncedEvents extends Sink<void> {
  constructor(private readonly scope: SessionScope) {
    super();
  }
  protected _next(): void {
    this.scope.announce({ type: "synced" });
  }
  protected _error(e: unknown): void {
    this.unsubscribe();
    this.scope.report(e, "crdt");
  }
}

export function createSyncEngine(options: SyncEngineOptions): SyncEngine {
  if (options === null || typeof options !== "object") throw new TypeError("createSyncEngine needs options");
  if (options.transport === undefined || options.signaling === undefined) {
    throw new TypeError("createSyncEngine needs a transport and a signaling adapter");
  }
  const timings = resolveTimings(options.timings); // a bad duration fails here, before anything exists
  const clock = options.clock ?? systemClock;
  const components: Components = { clock, random: options.random ?? defaultComponents.random };
  const events = new Subject<EngineEvent>();
  const outcome = new Outcome();
  const counters: Record<string, number> = {};
  const announce = (e: EngineEvent) => {
    outcome.observe(e);
    events.next(e); // a no-op once completed
  };
  const toSession: SessionScope["toSession"] = (e) => {
    if (!outcome.isEnded) session.send(e);
  };
  const scope = createScope(options, components, { announce, toSession, report: createReporter(counters, announce, toSession), counters });

  // Tests hold every key buffer that ever existed: they are told before every event and effect.
  const secrets: SecretWatchers = { watchers: undefined };
  const stateChanged = new Subject<void>();
  const inspect = (ev: InspectionEvent): void => {
    const watchers = secrets.watchers;
    if (watchers !== undefined && watchers.size > 0 && (ev.type === "@xstate.event" || ev.type === "@xstate.action")) {
      const live = scope.keyStore.secretBuffers();
      for (const w of watchers) w(live);
    }
    if (ev.type === "@xstate.snapshot") stateChanged.next();
    const user = options.inspect;
    if (typeof user === "function") user(ev);
    else user?.next?.(ev);
  };
  const session = createActor(sessionLogic, { input: { timings, strict: options.verify === true, liveness: scope.liveness }, clock, inspect });
  bindSession(session.system, scope);

  const snapshot = (): EngineState => {
    const context = session.getSnapshot().context;
    return engineState({
      scope,
      session,
      timings,
      ended: outcome.isEnded,
      endReason: outcome.endReason ?? context.reason,
      nameplate: context.nameplate,
      pairedAt: scope.secure?.pairedAt ?? null,
    });
  };

  // Activity: every content change stamps the dead-man's clock (no actor event per edit). Both
  // streams end with the session: every ending wipes, and destroying the doc completes them.
  scope.crdt.changes$.subscribe(new ActivityStamps(scope));
  scope.crdt.synced$.subscribe(new SyncedEvents(scope));

  const finish = (reason: EndReason): void => {
    if (outcome.isEnded) return;
    outcome.end(reason);
    stateChanged.next();
    stateChanged.complete();
    for (const ch of scope.channels?.values() ?? []) ch.close(); // opened by an attempt nobody took up
    scope.channels = undefined;
    events.next({ type: "ended", reason });
    events.complete();
  };
  session.subscribe({
    complete: () => finish(session.getSnapshot().output?.reason ?? "error"),
    // A machine that throws leaves the actor stopped: the runtime carries out the end itself.
    error: (e) => {
      scope.report(e, "actor");
      sessionEffects.wipe({ reason: "error", notifyPeer: false }, session);
      sessionEffects.close(undefined, session);
      finish("error");
    },
  });

  const state$ = new Observable<EngineState>((sub) => {
    sub.next(snapshot());
    if (outcome.isEnded) return sub.complete();
    return stateChanged.pipe(auditTime(0, asapScheduler), map(snapshot)).subscribe(sub);
  });
  const events$ = new Observable<EngineEvent>((sub) => {
    if (!outcome.isEnded) return events.subscribe(sub);
    sub.next({ type: "ended", reason: outcome.endReason! });
    return sub.complete();
  });

  /** host()/join() start once, from idle; a failed claim leaves the engine idle again. */
  let claiming = false;
  const claim = async <T>(role: Role, work: () => Promise<T>): Promise<T> => {
    if (outcome.isEnded) throw new EngineStateError("the session has ended");
    if (claiming || !session.getSnapshot().hasTag("idle")) throw new EngineStateError("host() or join() was already called");
    claiming = true;
    try {
      const result = await work();
      scope.role = role;
      return result;
    } finally {
      claiming = false;
    }
  };
  const begin = (role: Role, nameplate: string, ticket: SessionScope["ticket"] & {}) => {
    scope.ticket = ticket;
    announce(role === "host" ? { type: "hosting", nameplate } : { type: "joining", nameplate });
    session.send({ type: "START", role, nameplate });
  };
  const opened = (s: SignalingSession): SignalingSession => {
    if (!outcome.isEnded) return s;
    s.close().catch(reportRejection(scope.report, "signaling"));
    throw new SessionEndedError(outcome.endReason ?? "user");
  };

  session.start();

  // Resolves once the session ended and the adapters closed (what was sent has been delivered).
  const ended = outcome.ended.promise.then(async (reason) => {
    await scope.closing;
    return reason;
  });

  const engine: SyncEngine = {
    doc: scope.crdt.doc,
    awareness: scope.crdt.awareness,
    state$,
    events$,
    ended,
    async host() {
      return claim("host", async () => {
        const s = opened(await scope.signaling.host());
        let code: string;
        let password: Uint8Array;
        try {
          code = generateCode({ nameplate: s.nameplate, ...(options.codeWords ? { words: options.codeWords } : {}), ...(options.random ? { random: options.random } : {}) });
          password = parseCode(code).password;
        } catch (e) {
          s.close().catch(reportRejection(scope.report, "signaling"));
          throw e;
        }
        scope.role = "host";
        begin("host", s.nameplate, { session: s, password });
        return { code };
      });
    },
    async join(code) {
      await claim("join", async () => {
        const parsed = parseCode(code);
        try {
          const s = opened(await scope.signaling.join(parsed.nameplate));
          scope.role = "join";
          begin("join", parsed.nameplate, { session: s, password: parsed.password });
        } catch (e) {
          parsed.password.fill(0);
          throw e;
        }
      });
      return outcome.connected.promise;
    },
    async end() {
      toSession({ type: "END", reason: "user" });
      await ended;
    },
    rotateNow: () => toSession({ type: "ROTATE_NOW" }),
    setPresence(doing) {
      if (!scope.crdt.destroyed) scope.crdt.setPresence({ device: scope.deviceName, doing });
    },
    get verification() {
      return outcome.isEnded ? null : (scope.secure?.words ?? null);
    },
    confirmVerification() {
      scope.liveness.activity(); // the person is here, comparing words: that is activity
      toSession({ type: "VERIFY_CONFIRM" });
    },
    async rejectVerification() {
      toSession({ type: "VERIFY_REJECT" });
      await ended;
    },
    whenSynced: () => outcome.synced.promise,
    touch() {
      if (outcome.isEnded || scope.crdt.destroyed) return;
      scope.liveness.activity();
      scope.crdt.markActive(); // an awareness change: the peer's dead-man hears it too
    },
    snapshot,
  };
  registerInternals(engine, { scope, session, secrets });
  return engine;
}
