/**
 * The `peerLink` actor (invoked by the connection machine while a channel is open): the two
 * pipelines over one channel, both ending with the link.
 *
 *   outbound: merge(crdt.outbound$ (while sync is allowed), control$)
 *               -> coalesceFrames -> sendPaced (seal at send time, paced by drained$)
 *   inbound:  channel.messages$ -> openFrames (auth + replay window) -> stamp liveness, watch
 *               sequence -> dispatch: apply bodies (one Yjs transaction per frame), PONG,
 *               rotation, BYE, VERIFIED
 *
 * A body that opens but does not decode comes from the key holder: fatal. When the channel closes
 * the actor tells its machine (CHANNEL_CLOSED) and the session (for keyRotation); stopping it ends
 * both pipelines and closes the channel (the transport delivers what was sent, e.g. a BYE).
 *
 * One PeerLink object per open channel holds the link's state, its steps are its methods, and the
 * stages of the pipelines are one object each (outbound.ts, inbound.ts): a link lives as long as
 * the session, and a chain of small operators would keep a subscriber and closures per step for
 * all that time (docs/performance.md, "idle paired session heap").
 */
import { asapScheduler, Subscription, type SchedulerAction } from "rxjs";
import { fromCallback, type EventObject } from "xstate";
import { pathRoute, samePath } from "../../adapters/transport/path.js";
import { CrdtDecodeError } from "../../adapters/crdt/types.js";
import { FrameType, RotationError, type OpenedFrame, type SecureChannel } from "../../adapters/crypto/index.js";
import type { Channel, PathHealth, SelectedPath } from "../../adapters/transport/types.js";
import type { ChannelCloseReason, PeerLinkEvent } from "../../machines/protocol.js";
import { checkEmptyBody, checkRotateBody, decodeBody, decodeByeBody } from "../codec.js";
import { FrameBodyError, FragmentGapError, VerificationPendingError } from "../errors.js";
import { BodyApplier, openFrames, SequenceWatch } from "../inbound.js";
import { coalesceFrames, maxBodyBytes, outboundItems, sendPaced, type SendStats } from "../outbound.js";
import type { Rotation } from "../rotation.js";
import { scopeOf } from "../binding.js";
import type { ControlFrame, LinkHandle, SecureState, SessionScope } from "../scope.js";

const EMPTY = new Uint8Array(0);

export const peerLinkActor = fromCallback<EventObject, { channelId: string }>(({ input, sendBack, system }) => {
  const scope = scopeOf(system);
  const channel = scope.channels.get(input.channelId);
  scope.channels.delete(input.channelId);
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

class PeerLink implements LinkHandle {
  readonly stats: SendStats & { framesIn: number; resyncs: number } = { framesOut: 0, bytesOut: 0, pauses: 0, queued: 0, framesIn: 0, resyncs: 0 };
  private readonly sc: SecureChannel;
  private readonly rotation: Rotation;
  private readonly bodies: BodyApplier;
  private readonly sequence = new SequenceWatch();
  private readonly pipelines: Subscription;
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
    const { crdt, syncAllowed$ } = scope;
    this.sc = secure.channel;
    this.rotation = secure.rotation;
    this.bodies = new BodyApplier(crdt);
    const link = this;

    // One subscription for the link's life, ended by the actor's stop: both pipelines, the path
    // and health watchers, and the first sync round once data may flow.
    this.pipelines = new Subscription();
    this.pipelines.add(outboundItems(crdt.outbound$, scope.control$, () => syncAllowed$.value)
      .pipe(
        coalesceFrames({ targetBytes: scope.coalesceBytes, maxBodyBytes: maxBodyBytes(channel) }),
        sendPaced(channel, (f) => link.seal(f), this.stats),
      )
      .subscribe({
        // A frame an open channel refuses (a bug, not the network): report it and drop the
        // channel, so the connection reconnects and a fresh sync round repairs.
        error(e: unknown) {
          scope.report(e, "frame");
          channel.close();
        },
      }));
    this.pipelines.add(channel.messages$.pipe(openFrames(this.sc, scope.report)).subscribe({
      next(f: OpenedFrame) {
        link.onFrame(f);
      },
    }));
    // The path, for the host app ("direct" or "via TURN"), whenever it changes.
    this.pipelines.add(channel.path$.subscribe({
      next(path: SelectedPath) {
        link.onPath(path);
      },
    }));
    // A transport that sees its path go (ICE disconnected) ends this link at once; the
    // connection reconnects. (werift never reports it: missing frames, linkStaleMs, do there.)
    this.pipelines.add(channel.health$.subscribe({
      next(health: PathHealth) {
        link.onHealth(health);
      },
    }));
    if (syncAllowed$.value) this.startSync();
    else {
      const waiting = syncAllowed$.subscribe({
        next(allowed: boolean) {
          if (!allowed || link.stopped) return;
          link.startSync();
          waiting.unsubscribe();
        },
      });
      this.pipelines.add(waiting);
    }

    scope.link = this;
    scope.liveness.linkOpened();
    channel.closed.then((reason) => this.onClosed(reason), (e: unknown) => scope.report(e, "transport"));
    scope.toSession({ type: "CHANNEL_OPEN", channelId: channel.id });
    scope.announce({ type: "connected", channelId: channel.id });
    // The peer may have missed it on an earlier link.
    if (scope.verifiedHere && !syncAllowed$.value) scope.control$.next({ type: FrameType.VERIFIED, body: EMPTY });
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
    this.pipelines.unsubscribe();
    this.resyncScheduled?.unsubscribe();
    this.bodies.clear();
    if (this.scope.link === this) this.scope.link = undefined;
    this.goneDown("abandoned");
    this.channel.close();
  }

  resync(): void {
    this.resyncScheduled = undefined;
    const { scope, channel } = this;
    if (this.stopped || scope.crdt.destroyed || channel.state !== "open" || !scope.syncAllowed$.value) return;
    this.stats.resyncs++;
    scope.crdt.syncStart({ request: true });
  }

  seal(f: ControlFrame): Uint8Array {
    const frame = this.sc.seal(f.type, f.body);
    if (isData(f.type)) f.body.fill(0);
    return frame;
  }

  private startSync(): void {
    if (!this.scope.crdt.destroyed) this.scope.crdt.syncStart();
  }

  private scheduleResync(): void {
    this.resyncScheduled ??= asapScheduler.schedule(resyncNow, 0, this);
  }

  private onPath(path: SelectedPath): void {
    if (this.path !== undefined && samePath(this.path, path)) return;
    this.path = path;
    this.scope.announce({ type: "path", path, route: pathRoute(path) });
  }

  private onHealth(health: PathHealth): void {
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

  private onFrame(f: OpenedFrame): void {
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
