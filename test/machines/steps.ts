/**
 * Plays one random `Step` (arbitraries.ts) on a fake world and the actor under test, as the
 * runtime would: a step that needs an actor that is not running (no exchange, no pending connect
 * attempt, no link) does nothing, so any sequence is playable.
 */
import type { AnyActorRef } from "xstate";
import type { TestClock } from "../../src/testing/test-clock.js";
import type { Step } from "./arbitraries.js";
import { advance } from "./timers.js";
import { flush, type FakeWorld } from "./world.js";

const ICE_FAILED = Object.assign(new Error("ICE failed"), { name: "IceFailedError" });

interface StepTarget {
  readonly clock: TestClock;
  readonly world: FakeWorld;
  /** Receives the runtime's events (`send`, `ack`, `peerRotate`). */
  readonly actor: AnyActorRef;
  /** The key rotation's current epoch, or null if none runs. */
  epoch(): number | null;
}

/** Plays `step`; false if it had nothing to act on. */
export async function playStep(step: Step, t: StepTarget): Promise<boolean> {
  const { world } = t;
  switch (step.kind) {
    case "advance":
      advance(t.clock, step.ms);
      return true;
    case "send": {
      // A CHANNEL_CLOSED sent straight to the machine ends the running link as if its actor had
      // said so: record it, so the checks do not take the link's end for staleness.
      const ending = step.event.type === "CHANNEL_CLOSED" ? world.links.running() : [];
      t.actor.send(step.event);
      for (const l of ending) if (l.stoppedAt !== null && !world.linkEnds.has(l)) world.linkEnds.set(l, "closed");
      return true;
    }
    case "exchange":
      if (world.exchange.running().length !== 1) return false;
      world.pairingEvent(step.event);
      return true;
    case "connect": {
      const pending = world.connects.running();
      if (pending.length !== 1) return false;
      const attempt = pending[0]!;
      if (step.ok) attempt.resolve({ channelId: `ch-${attempt.input.attempt}` });
      else attempt.reject(attempt.input.attempt % 2 === 0 ? ICE_FAILED : "refused");
      await flush();
      return true;
    }
    case "linkClosed":
      if (world.links.running().length !== 1) return false;
      world.closeLink(step.reason);
      return true;
    case "linkLost":
      if (world.links.running().length !== 1) return false;
      world.loseLink("ICE failed");
      return true;
    case "activity":
      world.activity();
      return true;
    case "peerFrame":
      // Authenticated frames arrive only over a link.
      if (world.links.running().length !== 1) return false;
      world.peerFrame();
      return true;
    case "ack": {
      const last = world.callsOf("sendRotate").at(-1);
      if (last === undefined) return false;
      t.actor.send({ type: "ROTATE_ACKED", epoch: (last.params as { epoch: number }).epoch });
      return true;
    }
    case "peerRotate": {
      const epoch = t.epoch();
      if (epoch === null) return false;
      t.actor.send({ type: "PEER_ROTATE", epoch: epoch + 1 });
      return true;
    }
  }
}

export function describeStep(step: Step): string {
  switch (step.kind) {
    case "advance":
      return `+${step.ms}ms`;
    case "send":
    case "exchange":
      return `${step.kind} ${step.event.type}`;
    case "connect":
      return `connect ${step.ok ? "ok" : "fails"}`;
    case "linkClosed":
      return `link closed (${step.reason})`;
    default:
      return step.kind;
  }
}
