/**
 * The fake world the machines run in: recording fakes of everything `provideSession` takes.
 * - actors: each invoked actor is a fake whose lifetime is recorded (started, stopped) and whose
 *   outputs the test controls — `sendBack` of the callback actors, `resolve` / `reject` of each
 *   connect attempt (an abort is recorded when XState stops the attempt);
 * - effects: every effect call, in order, with the clock time;
 * - liveness: stamps the test moves (`activity()`, `peerFrame()`; a link's opening), answered as
 *   the runtime's `Liveness` does (milliseconds since the stamp), or held fresh (`keepActive` /
 *   `keepPeer`).
 * Optionally wired to a session actor like the runtime does it: a peer link that starts tells
 * the session CHANNEL_OPEN; a link that goes down — closed (`closeLink`), or given up by its
 * machine (lost, stale) — tells it CHANNEL_CLOSED once, unless the session is ending.
 * `provideOver` builds the machines over a world as `provideSession` does; `Stage` keeps one such
 * build and hands each run a fresh world.
 */
import { fromCallback, fromPromise, type AnyActorRef, type EventObject } from "xstate";
import type { EffectName } from "../../src/machines/catalog.js";
import { provideSession, type SessionEffects, type SessionImplementations } from "../../src/machines/implementations.js";
import type { PairingActorInput } from "../../src/machines/pairing.js";
import type { ChannelCloseReason, ConnectOutput, PairingExchangeEvent, PeerLinkEvent, SessionEvent } from "../../src/machines/protocol.js";
import type { connectionMachine } from "../../src/machines/connection.js";
import type { deadManMachine } from "../../src/machines/deadMan.js";
import type { expiryMachine } from "../../src/machines/expiry.js";
import type { keyRotationMachine } from "../../src/machines/keyRotation.js";
import type { pairingMachine } from "../../src/machines/pairing.js";

interface Now {
  now(): number;
}

interface EffectCall {
  readonly name: EffectName;
  readonly params?: unknown;
  readonly at: number;
}

interface CallbackInstance<I> {
  readonly input: I;
  readonly startedAt: number;
  stoppedAt: number | null;
  /** Events the parent sent to this actor. */
  readonly received: EventObject[];
  /** Events this actor sent back (what the test made it say), with the clock time. */
  readonly sent: Array<{ readonly event: EventObject; readonly at: number }>;
  sendBack(event: EventObject): void;
}

/** A fake callback actor: records each instance; the test speaks for it through `sendBack`. */
class FakeCallback<I> {
  readonly instances: Array<CallbackInstance<I>> = [];

  constructor(
    readonly name: string,
    private readonly clock: Now,
    private readonly hooks: { onStart?(instance: CallbackInstance<I>): void; onStop?(instance: CallbackInstance<I>): void } = {},
  ) {}

  /** The body of the callback actor (its return value is its cleanup). */
  start({ input, sendBack, receive }: CallbackArgs<I>): () => void {
    const { name, clock } = this;
    const instance: CallbackInstance<I> = {
      input,
      startedAt: clock.now(),
      stoppedAt: null,
      received: [],
      sent: [],
      sendBack: (event) => {
        if (instance.stoppedAt !== null) throw new Error(`${name}: sendBack after its actor stopped`);
        instance.sent.push({ event, at: clock.now() });
        sendBack(event);
      },
    };
    receive((e) => instance.received.push(e));
    this.instances.push(instance);
    this.hooks.onStart?.(instance);
    return () => {
      instance.stoppedAt = clock.now();
      this.hooks.onStop?.(instance);
    };
  }

  running(): Array<CallbackInstance<I>> {
    return this.instances.filter((i) => i.stoppedAt === null);
  }

  /** The one running instance (a test that speaks for an actor that is not there is wrong). */
  get current(): CallbackInstance<I> {
    const running = this.running();
    if (running.length !== 1) throw new Error(`${this.name}: ${running.length} running instances, expected 1`);
    return running[0]!;
  }
}

interface CallbackArgs<I> {
  readonly input: I;
  sendBack(event: EventObject): void;
  receive(listener: (event: EventObject) => void): void;
}

interface ConnectAttempt {
  readonly input: { readonly attempt: number };
  readonly startedAt: number;
  state: "pending" | "resolved" | "rejected" | "aborted";
  endedAt: number | null;
  resolve(output: ConnectOutput): void;
  reject(error: unknown): void;
}

/** A fake connect (promise) actor: each attempt waits for the test to resolve or reject it. */
class FakeConnect {
  readonly attempts: ConnectAttempt[] = [];

  constructor(private readonly clock: Now) {}

  /** The body of the promise actor. */
  start({ input, signal }: { input: { attempt: number }; signal: AbortSignal }): Promise<ConnectOutput> {
    const { clock } = this;
    return new Promise<ConnectOutput>((resolve, reject) => {
      const settle = (state: ConnectAttempt["state"]) => {
        if (attempt.state !== "pending") throw new Error(`connect #${input.attempt}: already ${attempt.state}`);
        attempt.state = state;
        attempt.endedAt = clock.now();
      };
      const attempt: ConnectAttempt = {
        input,
        startedAt: clock.now(),
        state: "pending",
        endedAt: null,
        resolve: (output) => {
          settle("resolved");
          resolve(output);
        },
        reject: (error) => {
          settle("rejected");
          reject(error);
        },
      };
      signal.addEventListener("abort", () => settle("aborted"), { once: true });
      this.attempts.push(attempt);
    });
  }

  running(): ConnectAttempt[] {
    return this.attempts.filter((a) => a.state === "pending");
  }

  get current(): ConnectAttempt {
    const running = this.running();
    if (running.length !== 1) throw new Error(`connect: ${running.length} pending attempts, expected 1`);
    return running[0]!;
  }
}

/** Lets every microtask (promise actor resolutions) run before the test looks again. */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class FakeWorld {
  readonly effects: EffectCall[] = [];
  /** Called inside each effect, after it is recorded (the test may look at the actors then). */
  onEffect: ((call: EffectCall) => void) | undefined;
  /** The session the runtime would tell about links (CHANNEL_OPEN / CHANNEL_CLOSED); none for a bare connection. */
  session: AnyActorRef | undefined;

  activityAt: number;
  peerFrameAt: number;
  /** The last frame on the current link, or its opening if later (the runtime's `linkSilentMs`). */
  linkFrameAt: number;
  /** Authenticated frames from the peer, by time. */
  readonly peerFrames: number[] = [];
  /** Links the world ended (closed by the transport, or reported lost), and how. */
  readonly linkEnds = new Map<object, "closed" | "lost">();
  /** Set by the wipe: actors stopping now are not failing. */
  ending = false;
  /** Links stopped after the wipe (stopped by the ending itself). */
  readonly linksStoppedAfterWipe = new Set<object>();
  /** Hold a stamp fresh (idle / silent for 0 ms whenever asked). */
  keepActive = false;
  keepPeer = false;

  readonly exchange: FakeCallback<PairingActorInput>;
  readonly advertise: FakeCallback<PairingActorInput>;
  readonly mailbox: FakeCallback<unknown>;
  readonly links: FakeCallback<{ channelId: string }>;
  readonly connects: FakeConnect;

  constructor(readonly clock: Now) {
    this.activityAt = this.peerFrameAt = this.linkFrameAt = clock.now();
    this.exchange = new FakeCallback("pairingExchange", clock);
    this.advertise = new FakeCallback("advertise", clock);
    this.mailbox = new FakeCallback("signalMailbox", clock);
    this.links = new FakeCallback("peerLink", clock, {
      onStart: (link) => {
        this.linkFrameAt = clock.now();
        this.session?.send({ type: "CHANNEL_OPEN", channelId: link.input.channelId });
      },
      // The machine gave the link up (lost, stale): the runtime tells the session once.
      onStop: (link) => {
        if (this.ending) this.linksStoppedAfterWipe.add(link);
        if (this.linkEnds.get(link) !== "closed" && !this.ending) this.session?.send({ type: "CHANNEL_CLOSED", reason: "local" });
      },
    });
    this.connects = new FakeConnect(clock);
  }

  activity(): void {
    this.activityAt = this.clock.now();
  }

  peerFrame(): void {
    this.peerFrameAt = this.linkFrameAt = this.clock.now();
    this.peerFrames.push(this.peerFrameAt);
  }

  /** The pairing exchange reports; PAKE_OK first resets both stamps, as the runtime's exchange does. */
  pairingEvent(event: PairingExchangeEvent): void {
    if (event.type === "PAKE_OK") this.activityAt = this.peerFrameAt = this.clock.now();
    this.exchange.current.sendBack(event);
  }

  /** The open channel closed: the peer link tells its connection, then the runtime tells the session. */
  closeLink(reason: ChannelCloseReason): void {
    const link = this.links.current;
    this.linkEnds.set(link, "closed");
    const closed: PeerLinkEvent = { type: "CHANNEL_CLOSED", reason };
    link.sendBack(closed);
    this.session?.send({ type: "CHANNEL_CLOSED", reason } satisfies SessionEvent);
  }

  /** The transport says the open link's path is gone (the channel still looks open). */
  loseLink(reason: string): void {
    const link = this.links.current;
    this.linkEnds.set(link, "lost");
    const lost: PeerLinkEvent = { type: "LINK_LOST", reason };
    link.sendBack(lost);
  }

  callsOf(name: EffectName): EffectCall[] {
    return this.effects.filter((e) => e.name === name);
  }

  /** Records an effect call (what the runtime would carry out). */
  record(name: EffectName, params: unknown): void {
    const call: EffectCall = params === undefined ? { name, at: this.clock.now() } : { name, params, at: this.clock.now() };
    this.effects.push(call);
    if (name === "wipe") this.ending = true;
    this.onEffect?.(call);
  }

  idleMs(): number {
    return this.keepActive ? 0 : this.clock.now() - this.activityAt;
  }

  peerSilentMs(): number {
    return this.keepPeer ? 0 : this.clock.now() - this.peerFrameAt;
  }

  linkSilentMs(): number {
    return this.keepPeer ? 0 : this.clock.now() - this.linkFrameAt;
  }
}

/**
 * The machines as `provideSession` builds them over whichever world `current()` returns. Building
 * them costs more than a whole run of a small machine, so a suite builds them once and points
 * them at a fresh world per run.
 */
function provideOver(current: () => FakeWorld) {
  const effect = (name: EffectName) => (params?: unknown) => current().record(name, params);
  const effects: SessionEffects = {
    wipe: effect("wipe"),
    close: effect("close"),
    startSync: effect("startSync"),
    announceVerified: effect("announceVerified"),
    sendPing: effect("sendPing"),
    sendRotate: effect("sendRotate"),
    expireEpoch: effect("expireEpoch"),
  };
  const implementations: SessionImplementations = {
    actors: {
      pairingExchange: fromCallback<EventObject, PairingActorInput>((args) => current().exchange.start(args)),
      advertise: fromCallback<EventObject, PairingActorInput>((args) => current().advertise.start(args)),
      signalMailbox: fromCallback<EventObject, unknown>((args) => current().mailbox.start(args)),
      connect: fromPromise<ConnectOutput, { attempt: number }>((args) => current().connects.start(args)),
      peerLink: fromCallback<EventObject, { channelId: string }>((args) => current().links.start(args)),
    },
    effects,
    liveness: { idleMs: () => current().idleMs(), peerSilentMs: () => current().peerSilentMs(), linkSilentMs: () => current().linkSilentMs() },
  };
  const session = provideSession(implementations);
  const actors = session.implementations.actors as Record<string, unknown>;
  return {
    session,
    pairing: actors["pairing"] as typeof pairingMachine,
    connection: actors["connection"] as typeof connectionMachine,
    keyRotation: actors["keyRotation"] as typeof keyRotationMachine,
    deadMan: actors["deadMan"] as typeof deadManMachine,
    expiry: actors["expiry"] as typeof expiryMachine,
    /** The effect names `provideSession` takes. */
    effectNames: new Set(Object.keys(effects) as EffectName[]),
  };
}

export type ProvidedMachines = ReturnType<typeof provideOver>;

/** One set of provided machines, re-pointed at a fresh world for every run. */
export class Stage {
  private world: FakeWorld | undefined;
  readonly machines = provideOver(() => {
    if (this.world === undefined) throw new Error("Stage: no world set");
    return this.world;
  });

  fresh(clock: Now): FakeWorld {
    this.world = new FakeWorld(clock);
    return this.world;
  }
}
