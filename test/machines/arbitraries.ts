/**
 * fast-check generators for the property suites: random timings (small, so timers interleave
 * densely and a run stays cheap), random runtime events (valid, out of order, repeated, with
 * stale and future epochs) and random clock advances.
 */
import { fc } from "@fast-check/vitest";
import type { SessionEvent, Timings } from "../../src/machines/protocol.js";

export type Step = { readonly kind: "event"; readonly event: SessionEvent } | { readonly kind: "advance"; readonly ms: number };

// Repeating timers (ping, ack retry, rotation, backoff) stay >= 5-10 ms so that one random advance
// (<= 150 ms) fires at most a few dozen of them: runs stay cheap and still interleave densely.
export const timingsArb: fc.Arbitrary<Timings> = fc
  .record({
    inactivityMs: fc.integer({ min: 1, max: 400 }),
    maxSessionMs: fc.integer({ min: 1, max: 2_000 }),
    rotationMs: fc.integer({ min: 10, max: 300 }),
    rotationGraceMs: fc.integer({ min: 1, max: 100 }),
    rotationAckTimeoutMs: fc.integer({ min: 10, max: 100 }),
    pairingTimeoutMs: fc.integer({ min: 1, max: 300 }),
    reconnectBaseMs: fc.integer({ min: 5, max: 20 }),
    reconnectExtraMs: fc.integer({ min: 0, max: 200 }),
    peerGoneMs: fc.integer({ min: 1, max: 300 }),
    pingIntervalMs: fc.integer({ min: 10, max: 100 }),
  })
  .map(({ reconnectExtraMs, ...t }) => ({ ...t, reconnectMaxMs: t.reconnectBaseMs + reconnectExtraMs }));

const epochArb = fc.integer({ min: 0, max: 6 });

export const eventArb: fc.Arbitrary<SessionEvent> = fc.oneof(
  fc.constantFrom<"host" | "join">("host", "join").map((role) => ({ type: "START" as const, role })),
  fc.constant({ type: "CODE_READY" as const, nameplate: "12" }),
  fc.constant({ type: "PEER_JOINED" as const }),
  fc.constant({ type: "PAKE_EXCHANGED" as const }),
  fc.constant({ type: "PAKE_OK" as const }),
  fc.constantFrom("wrongCode", "malformed", "peerGone").map((reason) => ({ type: "PAKE_FAILED" as const, reason: reason as "wrongCode" })),
  fc.constant({ type: "CHANNEL_OPEN" as const, channelId: "ch" }),
  fc.constantFrom("local", "remote", "failed").map((reason) => ({ type: "CHANNEL_CLOSED" as const, reason: reason as "local" })),
  fc.constant({ type: "CONNECT_FAILED" as const, error: "refused" }),
  fc.constant({ type: "ACTIVITY" as const }),
  fc.constant({ type: "PEER_MESSAGE_OK" as const }),
  fc.constant({ type: "ROTATE_NOW" as const }),
  epochArb.map((epoch) => ({ type: "PEER_ROTATE" as const, epoch })),
  epochArb.map((epoch) => ({ type: "ROTATE_ACKED" as const, epoch })),
  fc.constant({ type: "PEER_BYE" as const, reason: "user" as const }),
  fc.constantFrom(undefined, "user", "error").map((reason) =>
    reason === undefined ? { type: "END" as const } : { type: "END" as const, reason: reason as "user" },
  ),
  fc.constant({ type: "FATAL" as const, error: "boom" }),
);

/** Rotation-heavy events with epochs near the current one, so collisions and grace overlaps happen. */
export const rotationEventArb: fc.Arbitrary<SessionEvent> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 4 }).map((epoch) => ({ type: "PEER_ROTATE" as const, epoch })) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 4 }).map((epoch) => ({ type: "ROTATE_ACKED" as const, epoch })) },
  { weight: 2, arbitrary: fc.constant({ type: "ROTATE_NOW" as const }) },
  { weight: 1, arbitrary: fc.constant({ type: "CHANNEL_OPEN" as const, channelId: "ch" }) },
  { weight: 1, arbitrary: fc.constant({ type: "CHANNEL_CLOSED" as const, reason: "remote" as const }) },
  { weight: 1, arbitrary: eventArb },
);

/** Events weighted towards the ones that keep a session going, so runs reach the later states. */
export function stepsArb(events: fc.Arbitrary<SessionEvent>, maxLength = 20): fc.Arbitrary<Step[]> {
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 3, arbitrary: events.map((event) => ({ kind: "event" as const, event })) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 150 }).map((ms) => ({ kind: "advance" as const, ms })) },
  );
  return fc.array(step, { maxLength });
}

/** A session-shaped prefix (START, pairing events, PAKE_OK, CHANNEL_OPEN) often precedes the noise. */
export const sessionEventArb: fc.Arbitrary<SessionEvent> = fc.oneof(
  { weight: 6, arbitrary: eventArb.filter((e) => e.type !== "END" && e.type !== "FATAL" && e.type !== "PEER_BYE") },
  { weight: 1, arbitrary: eventArb },
);

export function sessionStepsArb(): fc.Arbitrary<Step[]> {
  const prefix = fc.constantFrom<Step[]>(
    [],
    [{ kind: "event", event: { type: "START", role: "host" } }],
    [
      { kind: "event", event: { type: "START", role: "join" } },
      { kind: "event", event: { type: "PAKE_OK" } },
    ],
    [
      { kind: "event", event: { type: "START", role: "host" } },
      { kind: "event", event: { type: "CODE_READY", nameplate: "3" } },
      { kind: "event", event: { type: "PAKE_OK" } },
      { kind: "event", event: { type: "CHANNEL_OPEN", channelId: "a" } },
    ],
  );
  return fc.tuple(prefix, stepsArb(sessionEventArb, 25)).map(([p, rest]) => [...p, ...rest]);
}
