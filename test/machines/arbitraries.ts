/**
 * fast-check generators for the property suites: random timings (small, so timers interleave
 * densely and a run stays cheap), and random steps of the world around the machines — events the
 * runtime sends (valid, out of order, repeated, with stale and future epochs), what the invoked
 * actors report (the pairing exchange, connect attempts, the peer link), liveness stamps and
 * clock advances.
 */
import { fc } from "@fast-check/vitest";
import type { ChannelCloseReason, PairingExchangeEvent, SessionEvent, Timings } from "../../src/machines/protocol.js";

export type Step =
  /** Time passes. */
  | { readonly kind: "advance"; readonly ms: number }
  /** The runtime sends an event to the actor. */
  | { readonly kind: "send"; readonly event: SessionEvent }
  /** The pairing exchange reports (if one runs). */
  | { readonly kind: "exchange"; readonly event: PairingExchangeEvent }
  /** The pending connect attempt opens a channel or fails (if one is pending). */
  | { readonly kind: "connect"; readonly ok: boolean }
  /** The open channel closes / the transport reports its path lost (if a peer link runs). */
  | { readonly kind: "linkClosed"; readonly reason: ChannelCloseReason }
  | { readonly kind: "linkLost" }
  /** A change to the doc (activity stamp) / an authenticated frame from the peer (if a link runs). */
  | { readonly kind: "activity" }
  | { readonly kind: "peerFrame" }
  /** The peer acknowledges our pending rotation / starts its own to the next epoch. */
  | { readonly kind: "ack" }
  | { readonly kind: "peerRotate" };

// Repeating timers (ping, ack retry, rotation, backoff, connect timeout) stay >= 5-10 ms so that
// one random advance (<= 150 ms) fires at most a few dozen of them.
export const timingsArb: fc.Arbitrary<Timings> = fc
  .record({
    inactivityMs: fc.integer({ min: 1, max: 400 }),
    maxSessionMs: fc.integer({ min: 1, max: 2_000 }),
    rotationMs: fc.integer({ min: 10, max: 300 }),
    rotationGraceMs: fc.integer({ min: 1, max: 100 }),
    rotationAckTimeoutMs: fc.integer({ min: 10, max: 100 }),
    pairingTimeoutMs: fc.integer({ min: 1, max: 300 }),
    connectTimeoutMs: fc.integer({ min: 5, max: 150 }),
    reconnectBaseMs: fc.integer({ min: 5, max: 20 }),
    reconnectExtraMs: fc.integer({ min: 0, max: 200 }),
    peerGoneMs: fc.integer({ min: 1, max: 300 }),
    pingIntervalMs: fc.integer({ min: 10, max: 100 }),
    linkStaleMs: fc.integer({ min: 5, max: 300 }),
  })
  .map(({ reconnectExtraMs, ...t }) => ({ ...t, reconnectMaxMs: t.reconnectBaseMs + reconnectExtraMs }));

const epochArb = fc.integer({ min: 0, max: 6 });

/** Everything the runtime may send to the session, in any order. */
const sendEventArb: fc.Arbitrary<SessionEvent> = fc.oneof(
  fc.constantFrom<"host" | "join">("host", "join").map((role) => ({ type: "START" as const, role, nameplate: "12" })),
  fc.constant({ type: "CHANNEL_OPEN" as const, channelId: "raw" }),
  fc.constantFrom<ChannelCloseReason>("local", "remote", "failed").map((reason) => ({ type: "CHANNEL_CLOSED" as const, reason })),
  fc.constant({ type: "ROTATE_NOW" as const }),
  epochArb.map((epoch) => ({ type: "PEER_ROTATE" as const, epoch })),
  epochArb.map((epoch) => ({ type: "ROTATE_ACKED" as const, epoch })),
  fc.constant({ type: "VERIFY_CONFIRM" as const }),
  fc.constant({ type: "PEER_VERIFIED" as const }),
  fc.constant({ type: "VERIFY_REJECT" as const }),
  fc.constant({ type: "PEER_BYE" as const, reason: "user" as const }),
  fc.constantFrom(undefined, "user" as const, "error" as const).map((reason) => (reason === undefined ? { type: "END" as const } : { type: "END" as const, reason })),
  fc.constant({ type: "FATAL" as const, error: "BoomError" }),
);

const exchangeEventArb: fc.Arbitrary<PairingExchangeEvent> = fc.oneof(
  fc.constant({ type: "PEER_JOINED" as const }),
  fc.constant({ type: "PAKE_EXCHANGED" as const }),
  fc.constant({ type: "PAKE_OK" as const }),
  fc.constantFrom("wrongCode" as const, "malformed" as const, "peerGone" as const).map((reason) => ({ type: "PAKE_FAILED" as const, reason })),
);

const advanceArb: fc.Arbitrary<Step> = fc.integer({ min: 0, max: 150 }).map((ms) => ({ kind: "advance" as const, ms }));
const sendArb = (events: fc.Arbitrary<SessionEvent>): fc.Arbitrary<Step> => events.map((event) => ({ kind: "send" as const, event }));

/** The whole world, weighted towards what keeps a session going (so runs reach the later states). */
export const worldStepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: advanceArb },
  { weight: 2, arbitrary: sendArb(sendEventArb.filter((e) => e.type !== "END" && e.type !== "FATAL" && e.type !== "PEER_BYE" && e.type !== "VERIFY_REJECT")) },
  { weight: 2, arbitrary: sendArb(sendEventArb) },
  { weight: 1, arbitrary: sendArb(fc.constantFrom({ type: "VERIFY_CONFIRM" as const }, { type: "PEER_VERIFIED" as const })) },
  { weight: 2, arbitrary: exchangeEventArb.map((event) => ({ kind: "exchange" as const, event })) },
  { weight: 2, arbitrary: fc.boolean().map((ok) => ({ kind: "connect" as const, ok })) },
  { weight: 1, arbitrary: fc.constantFrom<ChannelCloseReason>("local", "remote", "failed").map((reason) => ({ kind: "linkClosed" as const, reason })) },
  { weight: 1, arbitrary: fc.constant({ kind: "linkLost" as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: "activity" as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: "peerFrame" as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: "ack" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "peerRotate" as const }) },
);

/** Rotation-heavy steps for keyRotation on its own: epochs near the current one, so collisions and grace overlaps happen. */
export const rotationStepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: advanceArb },
  { weight: 2, arbitrary: fc.constant({ kind: "ack" as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: "peerRotate" as const }) },
  { weight: 2, arbitrary: sendArb(fc.integer({ min: 0, max: 4 }).map((epoch) => ({ type: "PEER_ROTATE" as const, epoch }))) },
  { weight: 2, arbitrary: sendArb(fc.integer({ min: 0, max: 4 }).map((epoch) => ({ type: "ROTATE_ACKED" as const, epoch }))) },
  { weight: 2, arbitrary: sendArb(fc.constant({ type: "ROTATE_NOW" as const })) },
  { weight: 1, arbitrary: sendArb(fc.constant({ type: "CHANNEL_OPEN" as const, channelId: "ch" })) },
  { weight: 1, arbitrary: sendArb(fc.constant({ type: "CHANNEL_CLOSED" as const, reason: "remote" as const })) },
  { weight: 1, arbitrary: worldStepArb },
);

/** Activity stamps among time and noise (the dead-man's world). */
export const activityStepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: advanceArb },
  { weight: 2, arbitrary: fc.constant({ kind: "activity" as const }) },
  { weight: 1, arbitrary: worldStepArb },
);

/** The pairing exchange's reports among time and noise. */
export const pairingStepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: exchangeEventArb.map((event) => ({ kind: "exchange" as const, event })) },
  { weight: 2, arbitrary: advanceArb },
  { weight: 1, arbitrary: worldStepArb },
);

/** Connect attempts that open or fail, links that close or are lost, frames from the peer, time. */
export const connectionStepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.boolean().map((ok) => ({ kind: "connect" as const, ok })) },
  { weight: 1, arbitrary: fc.constantFrom<ChannelCloseReason>("local", "remote", "failed").map((reason) => ({ kind: "linkClosed" as const, reason })) },
  { weight: 1, arbitrary: fc.constant({ kind: "linkLost" as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: "peerFrame" as const }) },
  { weight: 4, arbitrary: advanceArb },
  { weight: 1, arbitrary: worldStepArb },
);

export function stepsArb(step: fc.Arbitrary<Step>, maxLength = 20, minLength = 0): fc.Arbitrary<Step[]> {
  return fc.array(step, { minLength, maxLength });
}

/** Session-shaped prefixes (started, paired, connected, link lost, peer verified) often precede the noise. */
export function sessionStepsArb(maxLength = 30): fc.Arbitrary<Step[]> {
  const start = (role: "host" | "join"): Step => ({ kind: "send", event: { type: "START", role, nameplate: "3" } });
  const paired: Step = { kind: "exchange", event: { type: "PAKE_OK" } };
  const connected: Step = { kind: "connect", ok: true };
  const prefix = fc.oneof(
    { weight: 1, arbitrary: fc.constant<Step[]>([]) },
    { weight: 2, arbitrary: fc.constant<Step[]>([start("host")]) },
    { weight: 2, arbitrary: fc.constant<Step[]>([start("join"), paired]) },
    {
      weight: 2,
      arbitrary: fc.constant<Step[]>([
        start("host"),
        { kind: "exchange", event: { type: "PEER_JOINED" } },
        { kind: "exchange", event: { type: "PAKE_EXCHANGED" } },
        paired,
        connected,
      ]),
    },
    // Link lost, then (after the first backoff, <= 20 ms) maybe a new one.
    { weight: 1, arbitrary: fc.constant<Step[]>([start("join"), paired, connected, { kind: "linkClosed", reason: "remote" }, { kind: "advance", ms: 20 }, connected]) },
    { weight: 1, arbitrary: fc.constant<Step[]>([start("host"), paired, connected, { kind: "send", event: { type: "PEER_VERIFIED" } }]) },
  );
  return fc.tuple(prefix, stepsArb(worldStepArb, maxLength, 8)).map(([p, rest]) => [...p, ...rest]);
}
