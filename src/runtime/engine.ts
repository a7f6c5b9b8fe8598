/**
 * createSyncEngine: the product a host app embeds (DESIGN §2, §7; docs/api.md).
 *
 * The session actor (src/machines) decides; this file carries out its commands and feeds it
 * events. Every event goes to the session actor; every command is heard once, on the session
 * (`actor.on("*")`). The runtime owns the I/O: the pairing exchange over signaling (pairing.ts),
 * the sealed signaling after it (signals.ts), the secure channel, the transport link (link.ts),
 * the CRDT binding, the pulses that tell the actor "something happened" (pulses.ts), and the
 * teardown registry that releases all of it when the session ends.
 *
 * Secrets: the pairing password and every key live in Uint8Arrays owned by the key store (or
 * are zeroed at once); nothing secret goes into an event, the actor, state$, events$ or errors.
 */
import { Observable, Subject } from "rxjs";
import { createActor, type Actor } from "xstate";
import {
  createKeyStore, createSecureChannel, defaultAead, FrameType, generateCode, parseCode,
  type SecureChannel,
} from "../adapters/crypto/index.js";
import { createYjsCrdt } from "../adapters/crdt/yjs.js";
import type { Advertisement } from "../adapters/discovery/types.js";
import type { SignalingSession } from "../adapters/signaling/types.js";
import type { Channel } from "../adapters/transport/types.js";
import { sessionMachine } from "../machines/session.js";
import { DEFAULT_TIMINGS, type EndReason, type Role, type SessionCommand, type SessionEvent, type Timings } from "../machines/protocol.js";
import { EngineStateError, SessionEndedError, WrongCodeError } from "./errors.js";
import { Link } from "./link.js";
import { runPairing, type PairingResult } from "./pairing.js";
import { Rotation } from "./rotation.js";
import { isPulse, Pulses, type PulseType } from "./pulses.js";
import { SealedSignaling } from "./signals.js";
import { actorViews } from "./state.js";
import { Teardown } from "./teardown.js";
import type {
  EngineClock, EngineEvent, EngineState, EngineStatus, EngineTimings, SyncEngine, SyncEngineOptions,
} from "./types.js";

export const DEFAULT_ENGINE_TIMINGS: EngineTimings = Object.freeze({
  ...DEFAULT_TIMINGS,
  connectTimeoutMs: 15_000,
  pulseWindowMs: 1_000,
});

const ACTIVITY_COUNTERS = {
  doc: { local: "activity.doc.local", remote: "activity.doc.remote" },
  awareness: { local: "activity.awareness.local", remote: "activity.awareness.remote" },
} as const;

const DEFAULT_COALESCE_BYTES = 16 * 1024;

const realClock: EngineClock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

const utf8 = new TextEncoder();

/** A resolvable promise (Node 20 has no Promise.withResolvers). */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: Error) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function splitTimings(t: Partial<EngineTimings> | undefined): { machine: Partial<Timings>; engine: EngineTimings } {
  const engine = { ...DEFAULT_ENGINE_TIMINGS, ...t };
  // Checked here, before anything is created (the machines check their own timings the same way).
  const p = engine.pulseWindowMs;
  if (typeof p !== "number" || !Number.isFinite(p) || p < 0) throw new RangeError(`timings.pulseWindowMs must be a finite number >= 0, got ${String(p)}`);
  const { connectTimeoutMs: _c, pulseWindowMs: _p, ...machine } = { ...t };
  return { machine, engine };
}

export function createSyncEngine(options: SyncEngineOptions): SyncEngine {
  if (options === null || typeof options !== "object") throw new TypeError("createSyncEngine needs options");
  if (options.transport === undefined || options.signaling === undefined) {
    throw new TypeError("createSyncEngine needs a transport and a signaling adapter");
  }
  const { transport, signaling, discovery } = options;
  const clock = options.clock ?? realClock;
  const now = () => (clock.now ? clock.now() : Date.now());
  const { machine: machineTimings, engine: timings } = splitTimings(options.timings);
  const aead = options.aead ?? defaultAead();
  const identity = options.identity === undefined ? undefined
    : typeof options.identity === "string" ? utf8.encode(options.identity) : options.identity.slice();
  const deviceName = options.deviceName ?? "device";
  const coalesceBytes = options.coalesceBytes ?? DEFAULT_COALESCE_BYTES;

  const teardown = new Teardown();
  const keyStore = createKeyStore();
  const crdt = options.crdt ?? createYjsCrdt();
  const eventsSubject = new Subject<EngineEvent>();
  const counters: Record<string, number> = {};

  let status: EngineStatus = "idle";
  let role: Role | null = null;
  let nameplate: string | null = null;
  let endReason: EndReason | null = null;
  let started = false;
  let sc: SecureChannel | undefined;
  let link: Link | undefined;
  let nameplateSession: SignalingSession | undefined;
  let advertisement: Advertisement | undefined;
  let stopPairing: (() => void) | undefined;
  let connectAttempt: { abort: AbortController; timer: unknown; attempt: number } | undefined;
  let pairedAt: number | null = null;
  let lastActivityAt: number | null = null;
  let epochStartedAt: number | null = null;
  /** Rotation bookkeeping for the paired session (rotation.ts); exists from PAKE_OK. */
  let rotation: Rotation | undefined;

  const connected = deferred<void>();
  const endedD = deferred<EndReason>();
  connected.promise.catch(() => {}); // observed by join(); never an unhandled rejection

  // ---- events$, state$ ---------------------------------------------------------------------

  const count = (name: string): number => {
    counters[name] = (counters[name] ?? 0) + 1;
    return counters[name]!;
  };
  const emitEvent = (e: EngineEvent) => {
    eventsSubject.next(e); // a no-op once completed
  };
  const reportError = (name: string, source: string, fatal = false) => {
    const n = count(`error.${source}.${name}`);
    emitEvent({ type: "error", name, source, count: n, fatal });
  };

  const signals = new SealedSignaling(signaling, {
    teardown,
    ended: () => status === "ended",
    reportError: (name, source) => reportError(name, source),
    fatal: (e) => fatal(e),
  });

  let actor: Actor<typeof sessionMachine>;
  const snapshot = (): EngineState => {
    const t = now();
    const running = status !== "ended" && pairedAt !== null;
    return {
      status,
      role,
      nameplate,
      endReason,
      actors: actor ? actorViews(actor) : {},
      channel: link ? { id: link.channel.id, state: link.channel.state, bufferedAmount: link.channel.bufferedAmount } : null,
      epoch: sc && !sc.wiped ? sc.sendEpoch : null,
      countdowns: {
        inactivityMs: running && lastActivityAt !== null ? Math.max(0, lastActivityAt + timings.inactivityMs - t) : null,
        expiryMs: running ? Math.max(0, pairedAt! + timings.maxSessionMs - t) : null,
        rotationMs: running && epochStartedAt !== null ? Math.max(0, epochStartedAt + timings.rotationMs - t) : null,
      },
      peers: crdt.destroyed ? [] : crdt.peers().map(({ device, doing }) => ({ device, doing })),
      counters: link
        ? {
            ...counters,
            "link.framesIn": link.stats.framesIn,
            "link.resyncs": link.stats.resyncs,
            "link.framesOut": link.sender.stats.framesSent,
            "link.pauses": link.sender.stats.pauses,
            "link.queued": link.sender.queued,
          }
        : { ...counters },
      keys: keyStore.census(),
    };
  };
  // state$ builds a snapshot for a new subscriber at once, then on changes; nothing is built
  // while nobody listens (snapshots cost more than a small edit).
  const stateSubject = new Subject<EngineState>();
  const publish = () => {
    if (stateSubject.observed && !stateSubject.isStopped) stateSubject.next(snapshot());
  };
  const state$ = new Observable<EngineState>((sub) => {
    sub.next(snapshot());
    if (status === "ended") {
      sub.complete();
      return undefined;
    }
    return stateSubject.subscribe(sub);
  });
  // Snapshots are built at most once per microtask: an edit burst makes hundreds of actor
  // transitions (ACTIVITY re-arms the dead-man), and state$ wants the result, not each step.
  let publishScheduled = false;
  const schedulePublish = () => {
    if (publishScheduled) return;
    publishScheduled = true;
    queueMicrotask(() => {
      publishScheduled = false;
      publish();
    });
  };

  /** Test hook: told (with the live key buffers) before each event and command. */
  const secretWatchers = new Set<(buffers: readonly Uint8Array[]) => void>();
  const tellWatchers = () => {
    if (secretWatchers.size === 0) return;
    const live = keyStore.secretBuffers();
    for (const w of secretWatchers) w(live);
  };

  const toSession = (e: SessionEvent) => {
    if (status === "ended") return;
    if (!isPulse(e.type)) pulses.actorMoved();
    tellWatchers();
    actor.send(e);
  };
  // ACTIVITY and PEER_MESSAGE_OK are pulses (pulses.ts): at most one of each per window of the
  // engine's clock (leading + one trailing), none that would change nothing. The window is tiny
  // next to the timers the pulses re-arm, which may fire up to one window late, never early.
  const pulseWindowMs = Math.max(0, Math.floor(Math.min(timings.pulseWindowMs, timings.inactivityMs / 100, timings.peerGoneMs / 100)));
  const pulses = new Pulses(now, (type) => toSession({ type }), pulseWindowMs, {
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    clearTimeout: (id) => clock.clearTimeout(id),
  });
  teardown.add("pulses", () => pulses.stop());
  const pulse = (type: PulseType) => pulses.pulse(type);

  // ---- the session actor ---------------------------------------------------------------------

  actor = createActor(sessionMachine, {
    input: { timings: machineTimings },
    clock: clock as never,
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
  const commandSub = actor.on("*", (cmd) => execute(cmd as SessionCommand));
  teardown.add("actor.commands", () => commandSub.unsubscribe());
  const snapSub = actor.subscribe({
    next: (s) => {
      pulses.actorMoved();
      const v = s.value;
      if (status !== "ended") {
        if (v === "idle") status = "idle";
        else if (v === "pairing") status = "pairing";
        else if (typeof v === "object" && v !== null && "active" in v) {
          const a = (v as { active: string }).active;
          status = a === "connected" ? "connected" : a === "reconnecting" ? "reconnecting" : "connecting";
        }
      }
      schedulePublish();
    },
    // A machine that throws leaves the actor stopped in error: it can take no more events, so
    // the runtime carries out the end itself (wipe, close, ended{error}).
    error: (e) => {
      reportError(e instanceof Error ? e.name : "Error", "actor", true);
      if (status === "ended") return;
      wipe("error", true);
      closeAll();
      finish("error");
    },
  });
  teardown.add("actor.snapshots", () => snapSub.unsubscribe());
  teardown.add("actor", () => actor.stop());

  // ---- CRDT streams --------------------------------------------------------------------------

  const outSub = crdt.outbound$.subscribe((m) => link?.push(m.kind, m.bytes, m.request === true));
  teardown.add("crdt.outbound", () => outSub.unsubscribe());
  const changeSub = crdt.changes$.subscribe((c) => {
    lastActivityAt = now();
    count(ACTIVITY_COUNTERS[c.kind][c.origin]); // once per update in a burst: no string building
    pulse("ACTIVITY");
    if (c.kind === "awareness" && c.origin === "remote") emitEvent({ type: "presence", peers: crdt.peers().map(({ device, doing }) => ({ device, doing })) });
  });
  teardown.add("crdt.changes", () => changeSub.unsubscribe());
  teardown.add("crdt", () => crdt.destroy());
  teardown.add("keyStore", () => keyStore.wipe());

  // ---- commands ------------------------------------------------------------------------------

  function execute(cmd: SessionCommand): void {
    tellWatchers();
    try {
      switch (cmd.type) {
        case "CONNECT":
          return connect(cmd.attempt);
        case "SEND_ROTATE":
          return rotation?.send(cmd.epoch);
        case "EXPIRE_EPOCH":
          return rotation?.expire(cmd.epoch);
        case "SEND_PING":
          link?.control(FrameType.PING, new Uint8Array(0));
          return;
        case "WIPE":
          return wipe(cmd.reason, cmd.notifyPeer);
        case "CLOSE":
          return closeAll();
        case "ENDED":
          return finish(cmd.reason);
      }
    } catch (e) {
      // A command that cannot be carried out is an error of the session, never an exception
      // thrown back into the actor.
      reportError(e instanceof Error ? e.name : "Error", `command.${cmd.type}`);
    }
  }

  function fatal(e: Error): void {
    reportError(e.name, "fatal", true);
    toSession({ type: "FATAL", error: e.name });
  }

  // ---- pairing -------------------------------------------------------------------------------

  function beginPairing(session: SignalingSession, password: Uint8Array): void {
    nameplateSession = session;
    teardown.add("signaling.nameplate", () => {
      session.close().catch(() => {});
    });
    stopPairing = runPairing({
      session,
      password,
      identity,
      random: options.random,
      keyStore,
      onPeerJoined: () => {
        emitEvent({ type: "peerJoined" });
        toSession({ type: "PEER_JOINED" });
      },
      onExchanged: () => toSession({ type: "PAKE_EXCHANGED" }),
      onRejected: (name) => reportError(name, "pairing"),
      onDone: (r) => paired(r),
    });
    teardown.add("pairing", () => stopPairing?.());
  }

  function paired(r: PairingResult): void {
    if (status === "ended") return;
    if (!r.ok) {
      toSession({ type: "PAKE_FAILED", reason: r.reason });
      return;
    }
    try {
      sc = createSecureChannel(options.random ? { keyStore, aead, random: options.random } : { keyStore, aead });
    } catch (e) {
      return fatal(e as Error);
    }
    const ch = sc;
    teardown.add("secureChannel", () => ch.wipe());
    rotation = new Rotation(ch, {
      link: () => link,
      toSession,
      rotated: (epoch) => {
        epochStartedAt = now();
        emitEvent({ type: "rotated", epoch });
      },
      rejected: (name) => reportError(name, "rotation"),
      count: (name) => void count(name),
    });
    pairedAt = now();
    lastActivityAt = pairedAt;
    epochStartedAt = pairedAt;
    // The nameplate has done its job: release it (a relay cools it down), stop advertising.
    const np = nameplateSession;
    nameplateSession = undefined;
    np?.close().catch((e: unknown) => reportError((e as Error).name, "signaling"));
    withdrawAdvertisement();
    signals.open(ch, role === "host" ? "host" : "join");
    crdt.setPresence({ device: deviceName, doing: "syncing" });
    emitEvent({ type: "paired" });
    toSession({ type: "PAKE_OK" });
  }

  function withdrawAdvertisement(): void {
    const ad = advertisement;
    advertisement = undefined;
    ad?.withdraw().catch((e: unknown) => reportError((e as Error).name, "discovery"));
  }

  // ---- transport -----------------------------------------------------------------------------

  function connect(attempt: number): void {
    if (!sc || status === "ended") return;
    cancelConnect();
    const abort = new AbortController();
    const { pipe, done: pipeDone } = signals.attempt();
    const timer = clock.setTimeout(() => abort.abort(), timings.connectTimeoutMs);
    const mine = { abort, timer, attempt };
    connectAttempt = mine;
    const release = teardown.add(`transport.connect#${attempt}`, () => {
      clock.clearTimeout(timer);
      abort.abort();
    });
    const settle = () => {
      clock.clearTimeout(timer);
      release();
      if (connectAttempt === mine) connectAttempt = undefined;
      pipeDone();
    };
    // Through a promise, so an adapter that throws synchronously still yields CONNECT_FAILED.
    Promise.resolve()
      .then(() => transport.connect({ role: role === "host" ? "offerer" : "answerer", signals: pipe, signal: abort.signal }))
      .then(
        (channel) => {
          const stale = connectAttempt !== mine || status === "ended";
          settle();
          if (stale) {
            channel.close();
            return;
          }
          openLink(channel);
        },
        (e: unknown) => {
          const stale = connectAttempt !== mine || status === "ended";
          settle();
          if (stale) return;
          const name = e instanceof Error ? e.name : "ConnectFailedError";
          reportError(name, "transport");
          toSession({ type: "CONNECT_FAILED", error: name });
        },
      );
  }

  function cancelConnect(): void {
    const c = connectAttempt;
    connectAttempt = undefined;
    if (c) {
      clock.clearTimeout(c.timer);
      c.abort.abort();
    }
  }

  function openLink(channel: Channel): void {
    if (!sc || !rotation) return;
    const ch = sc;
    const rot = rotation;
    link?.stop();
    const l = new Link({
      channel,
      sc: ch,
      crdt,
      coalesceBytes,
      hooks: {
        toSession: (e) => (e.type === "PEER_MESSAGE_OK" ? pulse("PEER_MESSAGE_OK") : toSession(e)),
        rejected: (name, source) => reportError(name, source),
        fatal: (e) => fatal(e),
        onRotate: (body) => rot.onRotate(body),
        authenticated: (epoch) => rot.authenticated(epoch),
        ackSealed: (frame) => rot.ackSealed(frame),
        onRotateAck: (body) => rot.onRotateAck(body),
      },
    });
    link = l;
    const releaseChannel = teardown.add(`channel:${channel.id}`, () => {
      l.stop();
      channel.close();
    });
    channel.closed.then((reason) => {
      releaseChannel();
      if (link !== l) return;
      link = undefined;
      if (status === "ended") return;
      emitEvent({ type: "disconnected", reason });
      toSession({ type: "CHANNEL_CLOSED", reason });
    });
    emitEvent({ type: "connected", channelId: channel.id });
    toSession({ type: "CHANNEL_OPEN", channelId: channel.id });
    l.start();
    connected.resolve();
  }

  // ---- the end -------------------------------------------------------------------------------

  function wipe(reason: EndReason, notifyPeer: boolean): void {
    endReason = reason;
    if (notifyPeer && link) link.bye(reason);
    link?.stop();
    stopPairing?.();
    cancelConnect();
    if (sc) sc.wipe();
    keyStore.wipe();
    crdt.destroy();
    signals.clear();
    rotation?.clear();
  }

  function closeAll(): void {
    const l = link;
    link = undefined;
    if (l) {
      l.stop();
      l.channel.close();
    }
    cancelConnect();
    withdrawAdvertisement();
    nameplateSession?.close().catch(() => {});
    signals.close();
    nameplateSession = undefined;
    if (options.closeAdapters ?? true) {
      transport.close().catch(() => {});
      signaling.close().catch(() => {});
      discovery?.close().catch(() => {});
    }
  }

  function finish(reason: EndReason): void {
    if (status === "ended") return;
    endReason = reason;
    status = "ended";
    publish();
    teardown.run();
    for (const f of teardown.failures) reportError(f.error instanceof Error ? f.error.name : "Error", `teardown.${f.label}`);
    emitEvent({ type: "ended", reason });
    eventsSubject.complete();
    stateSubject.complete();
    const err = reason === "wrongCode" ? new WrongCodeError("the codes differ: pairing failed") : new SessionEndedError(reason);
    connected.reject(err);
    endedD.resolve(reason);
  }

  // ---- the public API ------------------------------------------------------------------------

  const begin = (r: Role) => {
    if (started || status === "ended") throw new EngineStateError(status === "ended" ? "the session has ended" : "host() or join() was already called");
    started = true;
    role = r;
  };

  const events$ = new Observable<EngineEvent>((sub) => {
    if (status === "ended") {
      if (endReason !== null) sub.next({ type: "ended", reason: endReason });
      sub.complete();
      return undefined;
    }
    return eventsSubject.subscribe(sub);
  });

  actor.start();

  const engine: SyncEngine = {
    doc: crdt.doc,
    awareness: crdt.awareness,
    state$,
    events$,
    ended: endedD.promise,

    async host() {
      begin("host");
      let session: SignalingSession;
      try {
        session = await signaling.host();
      } catch (e) {
        started = false;
        role = null;
        throw e;
      }
      if (status === "ended") {
        session.close().catch(() => {});
        throw new SessionEndedError(endReason ?? "user");
      }
      nameplate = session.nameplate;
      let code: string;
      let password: Uint8Array;
      try {
        code = generateCode({
          nameplate: session.nameplate,
          ...(options.codeWords ? { words: options.codeWords } : {}),
          ...(options.random ? { random: options.random } : {}),
        });
        password = parseCode(code).password;
      } catch (e) {
        session.close().catch(() => {});
        started = false;
        role = null;
        throw e;
      }
      toSession({ type: "START", role: "host" });
      toSession({ type: "CODE_READY", nameplate: session.nameplate });
      emitEvent({ type: "hosting", nameplate: session.nameplate });
      if (discovery) {
        discovery
          .advertise({ nameplate: session.nameplate, ...(options.advertise ?? { address: "in-process", port: 1 }) })
          .then(
            (ad) => {
              if (status === "ended" || pairedAt !== null) ad.withdraw().catch(() => {});
              else advertisement = ad;
            },
            (e: unknown) => reportError(e instanceof Error ? e.name : "DiscoveryError", "discovery"),
          );
      }
      beginPairing(session, password);
      publish();
      return { code };
    },

    async join(code) {
      begin("join");
      let parsed;
      try {
        parsed = parseCode(code);
      } catch (e) {
        started = false;
        role = null;
        throw e;
      }
      let session: SignalingSession;
      try {
        session = await signaling.join(parsed.nameplate);
      } catch (e) {
        parsed.password.fill(0);
        started = false;
        role = null;
        throw e;
      }
      if (status === "ended") {
        parsed.password.fill(0);
        session.close().catch(() => {});
        throw new SessionEndedError(endReason ?? "user");
      }
      nameplate = parsed.nameplate;
      toSession({ type: "START", role: "join" });
      toSession({ type: "CODE_READY", nameplate: parsed.nameplate });
      emitEvent({ type: "joining", nameplate: parsed.nameplate });
      beginPairing(session, parsed.password);
      publish();
      return connected.promise;
    },

    async end() {
      if (status !== "ended") toSession({ type: "END", reason: "user" });
      await endedD.promise;
    },

    rotateNow() {
      toSession({ type: "ROTATE_NOW" });
    },

    setPresence(doing) {
      if (crdt.destroyed) return;
      crdt.setPresence({ device: deviceName, doing });
    },

    snapshot,

    debug: {
      liveResources: () => teardown.live(),
      secretBuffers: () => keyStore.secretBuffers(),
      watchSecrets: (fn) => {
        secretWatchers.add(fn);
        fn(keyStore.secretBuffers());
        return () => secretWatchers.delete(fn);
      },
      get keyStoreWiped() {
        return keyStore.wiped;
      },
    },
  };
  return engine;
}
