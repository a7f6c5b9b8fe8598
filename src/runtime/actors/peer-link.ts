/**
 * The `peerLink` actor (invoked by the connection machine while a channel is open): the two
 * pipelines over one channel, both ending with the link.
 *
 *   outbound: outboundFrames: merge(crdt.outbound$ (while sync is allowed), control$)
 *               -> coalesce -> seal at send time, send paced by drained$ (one fused operator)
 *   inbound:  channel.messages$ -> FrameOpener (auth + replay window) -> onFrame: stamp liveness,
 *               watch sequence -> dispatch: apply bodies (one Yjs transaction per frame), PONG,
 *               rotation, BYE, VERIFIED
 *
 * A body that opens but does not decode comes from the key holder: fatal. When the channel closes
 * the actor tells its machine (CHANNEL_CLOSED) and the session (for keyRotation); stopping it ends
 * both pipelines and closes the channel (the transport delivers what was sent, e.g. a BYE).
 *
 * One PeerLink object per open channel holds the link's state, its steps are its methods, and the
 * stages of the pipelines are one object each (outbound.ts, inbound.ts); every subscription is a
 * `Sink` (sink.ts) — the link itself is the subscriber of its outbound pipeline. A link lives as
 * long as the session, and a chain of small operators, or plain observers wrapped by RxJS, would
 * keep a subscriber and closures per step for all that time (docs/performance.md, "idle paired
 * session heap").
 */
import { asapScheduler, type SchedulerAction, type Subscription } from "rxjs";
import { fromCallback, type EventObject } from "xstate";
import { pathRoute, samePath } from "../../adapters/transport/path.js";
import { CrdtDecodeError } from "../../adapters/crdt/types.js";
import { FRAME_HEADER_BYTES, FRAME_TAG_BYTES, FrameType, RotationError, SEAL_INTO_MIN_PAYLOAD_BYTES, type OpenedFrame, type SecureChannel } from "../../adapters/crypto/index.js";
import type { Channel, PathHealth, SelectedPath } from "../../adapters/transport/types.js";
import type { ChannelCloseReason, PeerLinkEvent } from "../../machines/protocol.js";
import { checkEmptyBody, checkRotateBody, decodeBody, decodeByeBody } from "../codec.js";
import { FrameBodyError, FragmentGapError, VerificationPendingError } from "../errors.js";
import { BodyApplier, FrameOpener, SequenceWatch } from "../inbound.js";
import { maxBodyBytes, outboundFrames, type SendStats } from "../outbound.js";
import type { Rotation } from "../rotation.js";
import { scopeOf } from "../binding.js";
import { takeChannel, type ControlFrame, type LinkHandle, type SecureState, type SessionScope } from "../scope.js";
import { MethodSink, Sink } from "../sink.js";

const EMPTY = new Uint8Array(0);

export const peerLinkActor = fromCallback<EventObject, { channelId: string }>(({ input, sendBack, system }) => {
  const scope = scopeOf(system);
  const channel = takeChannel(scope, input.channelId);
  const secure = scope.secure;
  if (channel === undefined || secure === undefined || secure.channel.wiped) {
    channel?.close();
    sendBack({ type: "CHANNEL_CLOSED", reason: "failed" } satisfies PeerLinkEvent);
    return undefined;
  }
  const link = new PeerLink(scope, channel, secure, sendBack);
  return () => link.stop();
});

/** Document content we own is zeroed as soon as it is sealed or dropped (threat model §3). */
const isData = (type: number): boolean => type === FrameType.SYNC || type === FrameType.AWARENESS;

/** A gap or a fragment loss: one two-way sync round (at most one per microtask). */
function resyncNow(this: SchedulerAction<PeerLink>, link?: PeerLink): void {
  link!.resync();
}

/**
 * The link: the subscriber of its outbound pipeline (a frame an open channel refuses ends it: a
 * bug, not the network) and the owner of the other subscriptions, which `stop` ends.
 */
class PeerLink extends Sink<number> implements LinkHandle {
  /** Large sealed frames are written here (ciphertext only): transports copy on send (compliance suite). */
  private sendBuffer = new Uint8Array(0);
  readonly stats: SendStats & { framesIn: number; resyncs: number } = { framesOut: 0, bytesOut: 0, pauses: 0, queued: 0, framesIn: 0, resyncs: 0 };
  private readonly sc: SecureChannel;
  private readonly rotation: Rotation;
  private readonly bodies: BodyApplier;
  private readonly sequence = new SequenceWatch();
  private readonly inbound: Subscription;
  private readonly pathSub: Subscription;
  private readonly healthSub: Subscription;
  /** Waits for sync to be allowed (strict verification), then starts the first sync round. */
  private waiting: Subscription | undefined;
  private resyncScheduled: Subscription | undefined;
  private stopped = false;
  /** The link is down once, whether the channel closed or the machine gave the link up. */
  private down = false;
  /** The last path announced (announced again only when it changes). */
  private path: SelectedPath | undefined;
  private lost = false;

  constructor(
    private readonly scope: SessionScope,
    readonly channel: Channel,
    secure: SecureState,
    private readonly sendBack: (event: PeerLinkEvent) => void,
  ) {
    super();
    const { crdt, syncAllowed$ } = scope;
    this.sc = secure.channel;
    this.rotation = secure.rotation;
    this.bodies = new BodyApplier(crdt);

    // Both pipelines, the path and health watchers, and the first sync round once data may flow;
    // all end with the actor's stop.
    const coalesce = { targetBytes: scope.coalesceBytes, maxBodyBytes: maxBodyBytes(channel) };
    outboundFrames(crdt.outbound$, scope.control$, syncAllowed$, coalesce, channel, this, this.stats).subscribe(this);
    this.inbound = channel.messages$.subscribe(new FrameOpener(this.sc, scope.report, this));
    // The path, for the host app ("direct" or "via TURN"), whenever it changes.
    this.pathSub = channel.path$.subscribe(new MethodSink(this, this.onPath, this.report));
    // A transport that sees its path go (ICE disconnected) ends this link at once; the
    // connection reconnects. (werift never reports it: missing frames, linkStaleMs, do there.)
    this.healthSub = channel.health$.subscribe(new MethodSink(this, this.onHealth, this.report));
    if (syncAllowed$.value) this.startSync();
    else this.waiting = syncAllowed$.subscribe(new MethodSink(this, this.onSyncAllowed, this.report));

    scope.link = this;
    scope.liveness.linkOpened();
    channel.closed.then((reason) => this.onClosed(reason), (e: unknown) => scope.report(e, "transport"));
    scope.toSession({ type: "CHANNEL_OPEN", channelId: channel.id });
    scope.announce({ type: "connected", channelId: channel.id });
    // The peer may have missed it on an earlier link.
    if (scope.verifiedHere && !syncAllowed$.value) scope.control$.next({ type: FrameType.VERIFIED, body: EMPTY });
  }

  /** Frames sent (their sizes are counted in `stats` already). */
  protected _next(): void {}

  // A frame an open channel refuses (a bug, not the network): report it and drop the channel, so
  // the connection reconnects and a fresh sync round repairs.
  protected _error(e: unknown): void {
    this.unsubscribe();
    this.scope.report(e, "frame");
    this.channel.close();
  }

  /** Seal and send now, ahead of back-pressure (the BYE at the end). */
  sendNow(type: FrameType, body: Uint8Array): boolean {
    if (this.stopped || this.channel.state !== "open" || this.sc.wiped) return false;
    try {
      this.channel.send(this.sc.seal(type, body));
      return true;
    } catch (e) {
      this.scope.report(e, "frame");
      return false;
    }
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    this.inbound.unsubscribe();
    this.pathSub.unsubscribe();
    this.healthSub.unsubscribe();
    this.waiting?.unsubscribe();
    this.resyncScheduled?.unsubscribe();
    this.bodies.clear();
    if (this.scope.link === this) this.scope.link = undefined;
    this.goneDown("abandoned");
    this.channel.close();
  }

  /** A watched stream of the channel failed (a transport bug): reported. */
  report(e: unknown): void {
    this.scope.report(e, "transport");
  }

  resync(): void {
    this.resyncScheduled = undefined;
    const { scope, channel } = this;
    if (this.stopped || scope.crdt.destroyed || channel.state !== "open" || !scope.syncAllowed$.value) return;
    this.stats.resyncs++;
    scope.crdt.syncStart({ request: true });
  }

  seal(f: ControlFrame): Uint8Array {
    // A large frame nobody keeps is written into the link's send buffer, which send() copies at
    // once; the rest (and a kept ROTATE_ACK, onSealed) get memory of their own.
    const reuse = f.onSealed === undefined && f.body.length >= SEAL_INTO_MIN_PAYLOAD_BYTES;
    const frame = reuse ? this.sc.seal(f.type, f.body, this.sendRoom(f.body.length)) : this.sc.seal(f.type, f.body);
    if (isData(f.type)) f.body.fill(0);
    return frame;
  }

  /** The send buffer, grown (doubling) to hold a frame around `bodyBytes`. */
  private sendRoom(bodyBytes: number): Uint8Array {
    const size = FRAME_HEADER_BYTES + bodyBytes + FRAME_TAG_BYTES;
    if (this.sendBuffer.length < size) this.sendBuffer = new Uint8Array(Math.max(size, 2 * this.sendBuffer.length));
    return this.sendBuffer;
  }

  startSync(): void {
    if (!this.scope.crdt.destroyed) this.scope.crdt.syncStart();
  }

  /** `syncAllowed$` (strict verification) moved: once true, the first round starts. */
  onSyncAllowed(allowed: boolean): void {
    if (allowed) this.allowed();
  }

  /** Sync is allowed now (strict verification): the first round starts. */
  allowed(): void {
    this.waiting?.unsubscribe();
    this.waiting = undefined;
    if (!this.stopped) this.startSync();
  }

  private scheduleResync(): void {
    this.resyncScheduled ??= asapScheduler.schedule(resyncNow, 0, this);
  }

  onPath(path: SelectedPath): void {
    if (this.path !== undefined && samePath(this.path, path)) return;
    this.path = path;
    this.scope.announce({ type: "path", path, route: pathRoute(path) });
  }

  onHealth(health: PathHealth): void {
    if (health !== "disconnected" || this.lost) return;
    this.lost = true;
    this.sendBack({ type: "LINK_LOST", reason: "disconnected" });
  }

  private onClosed(reason: ChannelCloseReason): void {
    if (this.stopped) return;
    this.sendBack({ type: "CHANNEL_CLOSED", reason });
    this.goneDown(reason);
  }

  private goneDown(reason: ChannelCloseReason | "abandoned"): void {
    if (this.down || this.scope.ending) return;
    this.down = true;
    this.scope.toSession({ type: "CHANNEL_CLOSED", reason: reason === "abandoned" ? "local" : reason });
    this.scope.announce({ type: "disconnected", reason });
  }

  onFrame(f: OpenedFrame): void {
    this.stats.framesIn++;
    this.scope.liveness.peerFrame();
    this.rotation.authenticated(f.epoch);
    if (this.sequence.gapBefore(f.epoch, f.seq)) this.scheduleResync();
    try {
      this.dispatch(f);
      if (isData(f.type)) f.payload.fill(0); // applied: the doc holds its own copies
    } catch (e) {
      // A stale or foreign ROTATE/ACK is counted; anything else from the key holder (or a bug
      // of ours) means this doc can no longer be trusted: end the session.
      if (e instanceof RotationError) this.scope.report(e, "rotation");
      else this.scope.report(e instanceof FrameBodyError || e instanceof CrdtDecodeError ? e : new FrameBodyError("frame handling failed", { cause: e }), "frame", { fatal: true });
    }
  }

  private dispatch(f: OpenedFrame): void {
    const { scope, rotation, channel } = this;
    switch (f.type) {
      case FrameType.SYNC:
      case FrameType.AWARENESS:
        if (!scope.syncAllowed$.value) {
          scope.report(new VerificationPendingError("document data before both devices confirmed the words"), "frame");
          return;
        }
        if (!this.bodies.apply(f.type, decodeBody(f.payload))) {
          scope.report(new FragmentGapError("a fragment went missing"), "fragment");
          this.scheduleResync();
        }
        return;
      case FrameType.PING:
        checkEmptyBody(f.payload, "PING");
        scope.control$.next({ type: FrameType.PONG, body: EMPTY });
        return;
      case FrameType.PONG:
        checkEmptyBody(f.payload, "PONG");
        return;
      case FrameType.ROTATE: {
        checkRotateBody(f.payload);
        const r = rotation.onRotate(f.payload);
        if (r.repeatAck !== null && channel.state === "open") channel.send(r.repeatAck);
        if (r.ack !== null) {
          scope.control$.next({ type: FrameType.ROTATE_ACK, body: r.ack, onSealed: (frame) => rotation.ackSealed(frame) });
          scope.toSession({ type: "PEER_ROTATE", epoch: r.epoch });
        }
        return;
      }
      case FrameType.ROTATE_ACK:
        checkRotateBody(f.payload);
        rotation.onRotateAck(f.payload);
        return;
      case FrameType.BYE:
        scope.toSession({ type: "PEER_BYE", reason: decodeByeBody(f.payload) });
        return;
      case FrameType.VERIFIED:
        checkEmptyBody(f.payload, "VERIFIED");
        scope.toSession({ type: "PEER_VERIFIED" });
        return;
      default:
        throw new FrameBodyError(`unknown frame type ${String(f.type)}`);
    }
  }
}
