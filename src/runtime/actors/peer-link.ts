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
 */
import { asapScheduler, catchError, distinctUntilChanged, filter, ignoreElements, map, merge, NEVER, Subject, take, takeUntil, tap, type Subscription } from "rxjs";
import { pathRoute, samePath } from "../../adapters/transport/path.js";
import { fromCallback, type EventObject } from "xstate";
import { CrdtDecodeError } from "../../adapters/crdt/types.js";
import { FrameType, RotationError, type OpenedFrame } from "../../adapters/crypto/index.js";
import type { ChannelCloseReason, PeerLinkEvent } from "../../machines/protocol.js";
import { checkEmptyBody, checkRotateBody, decodeBody, decodeByeBody } from "../codec.js";
import { FrameBodyError, FragmentGapError, VerificationPendingError } from "../errors.js";
import { BodyApplier, openFrames, SequenceWatch } from "../inbound.js";
import { coalesceFrames, maxBodyBytes, sendPaced, type OutboundItem, type SendStats } from "../outbound.js";
import { scopeOf } from "../binding.js";
import type { ControlFrame, LinkHandle } from "../scope.js";

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
  const { crdt, report } = scope;
  const sc = secure.channel;
  const rotation = secure.rotation;
  const stop$ = new Subject<void>();
  let stopped = false;
  const stats: SendStats & { framesIn: number; resyncs: number } = { framesOut: 0, bytesOut: 0, pauses: 0, queued: 0, framesIn: 0, resyncs: 0 };

  // Gaps and fragment losses start one two-way sync round per microtask at most.
  let resync: Subscription | undefined;
  const scheduleResync = () => {
    resync ??= asapScheduler.schedule(() => {
      resync = undefined;
      if (stopped || crdt.destroyed || channel.state !== "open" || !scope.syncAllowed$.value) return;
      stats.resyncs++;
      crdt.syncStart({ request: true });
    });
  };

  // Document content we own is zeroed as soon as it is sealed or dropped (threat model §3).
  const isData = (type: number) => type === FrameType.SYNC || type === FrameType.AWARENESS;
  const seal = (f: ControlFrame): Uint8Array => {
    const frame = sc.seal(f.type, f.body);
    if (isData(f.type)) f.body.fill(0);
    return frame;
  };
  const outbound = merge(
    crdt.outbound$.pipe(
      filter((m) => {
        if (scope.syncAllowed$.value) return true;
        m.bytes.fill(0); // not sent (strict verification holds sync): the next sync round carries it
        return false;
      }),
      map((m): OutboundItem => ({ kind: "data", type: m.kind === "sync" ? FrameType.SYNC : FrameType.AWARENESS, bytes: m.bytes, request: m.request === true })),
    ),
    scope.control$.pipe(map((frame): OutboundItem => ({ kind: "control", frame }))),
  ).pipe(
    coalesceFrames({ targetBytes: scope.coalesceBytes, maxBodyBytes: maxBodyBytes(channel) }),
    sendPaced(channel, seal, stats),
  );

  const bodies = new BodyApplier(crdt);
  const sequence = new SequenceWatch();
  const dispatch = (f: OpenedFrame): void => {
    switch (f.type) {
      case FrameType.SYNC:
      case FrameType.AWARENESS:
        if (!scope.syncAllowed$.value) {
          report(new VerificationPendingError("document data before both devices confirmed the words"), "frame");
          return;
        }
        if (!bodies.apply(f.type, decodeBody(f.payload))) {
          report(new FragmentGapError("a fragment went missing"), "fragment");
          scheduleResync();
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
  };
  const inbound = channel.messages$.pipe(openFrames(sc, report));

  const onFrame = (f: OpenedFrame): void => {
    stats.framesIn++;
    scope.liveness.peerFrame();
    rotation.authenticated(f.epoch);
    if (sequence.gapBefore(f.epoch, f.seq)) scheduleResync();
    try {
      dispatch(f);
      if (isData(f.type)) f.payload.fill(0); // applied: the doc holds its own copies
    } catch (e) {
      // A stale or foreign ROTATE/ACK is counted; anything else from the key holder (or a bug
      // of ours) means this doc can no longer be trusted: end the session.
      if (e instanceof RotationError) report(e, "rotation");
      else report(e instanceof FrameBodyError || e instanceof CrdtDecodeError ? e : new FrameBodyError("frame handling failed", { cause: e }), "frame", { fatal: true });
    }
  };

  // One subscription, ended by the link's stop: both pipelines, and the first sync round once
  // data may flow (at once, or after strict verification on both devices).
  const pipelines = merge(
    outbound.pipe(
      ignoreElements(),
      // A frame an open channel refuses (a bug, not the network): report it and drop the
      // channel, so the connection reconnects and a fresh sync round repairs.
      catchError((e: unknown) => {
        report(e, "frame");
        channel.close();
        return NEVER;
      }),
    ),
    inbound.pipe(tap(onFrame), ignoreElements()),
    // The path, for the host app ("direct" or "via TURN"), whenever it changes.
    channel.path$.pipe(
      distinctUntilChanged(samePath),
      tap((path) => scope.announce({ type: "path", path, route: pathRoute(path) })),
      ignoreElements(),
    ),
    // A transport that sees its path go (ICE disconnected) ends this link at once; the
    // connection reconnects. (werift never reports it: missing frames, linkStaleMs, do there.)
    channel.health$.pipe(
      filter((h) => h === "disconnected"),
      take(1),
      tap(() => sendBack({ type: "LINK_LOST", reason: "disconnected" } satisfies PeerLinkEvent)),
      ignoreElements(),
    ),
    scope.syncAllowed$.pipe(filter(Boolean), take(1), tap(() => crdt.destroyed || crdt.syncStart()), ignoreElements()),
  ).pipe(takeUntil(stop$)).subscribe();

  const handle: LinkHandle = {
    channel,
    sendNow: (type, body) => {
      if (stopped || channel.state !== "open" || sc.wiped) return false;
      try {
        channel.send(sc.seal(type, body));
        return true;
      } catch (e) {
        report(e, "frame");
        return false;
      }
    },
    stats: {
      get framesIn() {
        return stats.framesIn;
      },
      get framesOut() {
        return stats.framesOut;
      },
      get resyncs() {
        return stats.resyncs;
      },
      get pauses() {
        return stats.pauses;
      },
      get queued() {
        return stats.queued;
      },
    },
  };
  scope.link = handle;
  scope.liveness.linkOpened();
  // The link is down once, whether the channel closed or the machine gave the link up (stale path).
  let down = false;
  const goneDown = (reason: ChannelCloseReason | "abandoned") => {
    if (down || scope.ending) return;
    down = true;
    scope.toSession({ type: "CHANNEL_CLOSED", reason: reason === "abandoned" ? "local" : reason });
    scope.announce({ type: "disconnected", reason });
  };
  channel.closed.then((reason) => {
    if (stopped) return;
    sendBack({ type: "CHANNEL_CLOSED", reason } satisfies PeerLinkEvent);
    goneDown(reason);
  }, (e: unknown) => report(e, "transport"));
  scope.toSession({ type: "CHANNEL_OPEN", channelId: channel.id });
  scope.announce({ type: "connected", channelId: channel.id });
  // The peer may have missed it on an earlier link.
  if (scope.verifiedHere && !scope.syncAllowed$.value) scope.control$.next({ type: FrameType.VERIFIED, body: EMPTY });

  return () => {
    stopped = true;
    stop$.next();
    stop$.complete();
    pipelines.unsubscribe();
    resync?.unsubscribe();
    bodies.clear();
    if (scope.link === handle) scope.link = undefined;
    goneDown("abandoned");
    channel.close();
  };
});
