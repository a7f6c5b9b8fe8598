/**
 * Model-based test of two engines with fc.commands (STYLE §10), driven by the
 * `lethe-sync/testing` helpers: edits, time passing on the simulated clock, short partitions
 * that heal, rotations and ends, against a small model of what must be true after each step
 * (who has ended and why, that connected docs are equal, that epochs agree, that ended engines
 * forgot). Partitions stay shorter than peerGoneMs and nobody edits during one, so the model can
 * predict every end exactly.
 */
import { describe, expect } from "vitest";
import { test, fc } from "@fast-check/vitest";
import { createEnginePair, probeEngine, type EnginePair } from "../../src/testing/index.js";
import { nodeAead } from "../../src/adapters/crypto/node.js";
import { allZero } from "./helpers.js";

const INACTIVITY = 60_000;
const TIMINGS = {
  inactivityMs: INACTIVITY,
  peerGoneMs: 30_000,
  reconnectBaseMs: 250,
  reconnectMaxMs: 2_000,
  pingIntervalMs: 5_000,
  connectTimeoutMs: 3_000,
  rotationMs: 24 * 3_600_000,
} as const;
const MAX_PARTITION = 15_000;

interface Model {
  now: number;
  lastActivity: number;
  partitionedSince: number | null;
  ended: { a: string; b: string } | null;
  epoch: number;
  keys: number;
}
interface Real {
  p: EnginePair;
  held: Uint8Array[];
}
type Cmd = fc.AsyncCommand<Model, Real>;

async function checkInvariants(m: Model, r: Real): Promise<void> {
  const { a, b } = r.p;
  if (m.ended) {
    expect(a.snapshot().endReason).toBe(m.ended.a);
    expect(b.snapshot().endReason).toBe(m.ended.b);
    for (const buf of r.held) expect(allZero(buf)).toBe(true);
    expect(probeEngine(a).liveResources()).toEqual([]);
    expect(probeEngine(b).liveResources()).toEqual([]);
    return;
  }
  expect(a.snapshot().status).not.toBe("ended");
  expect(b.snapshot().status).not.toBe("ended");
  if (m.partitionedSince === null && a.snapshot().status === "connected" && b.snapshot().status === "connected") {
    expect(a.doc.getMap("prefs").toJSON()).toEqual(b.doc.getMap("prefs").toJSON());
    expect(a.doc.getMap("prefs").size).toBe(m.keys);
    expect(a.snapshot().epoch).toBe(m.epoch);
    expect(b.snapshot().epoch).toBe(m.epoch);
  }
}

/** Time passes; the model predicts an inactivity end. */
const advanceTo = async (m: Model, r: Real, ms: number) => {
  const deadline = m.lastActivity + INACTIVITY;
  await r.p.advance(ms, 1_000);
  m.now += ms;
  if (m.now >= deadline) m.ended = { a: "inactivity", b: "inactivity" };
};

class Edit implements Cmd {
  constructor(readonly side: "a" | "b") {}
  check = (m: Readonly<Model>) => m.ended === null && m.partitionedSince === null;
  async run(m: Model, r: Real) {
    (this.side === "a" ? r.p.a : r.p.b).doc.getMap("prefs").set(`k${m.keys}`, m.keys);
    m.keys++;
    m.lastActivity = m.now;
    await advanceTo(m, r, 1_000); // enough for a reconnect after a heal to finish
    await checkInvariants(m, r);
  }
  toString = () => `edit(${this.side})`;
}

class Wait implements Cmd {
  constructor(readonly ms: number) {}
  check = (m: Readonly<Model>) =>
    m.ended === null && (m.partitionedSince === null || m.now + this.ms - m.partitionedSince <= MAX_PARTITION);
  async run(m: Model, r: Real) {
    await advanceTo(m, r, this.ms);
    await checkInvariants(m, r);
  }
  toString = () => `wait(${this.ms})`;
}

class Partition implements Cmd {
  check = (m: Readonly<Model>) => m.ended === null && m.partitionedSince === null;
  async run(m: Model, r: Real) {
    r.p.network.partition(...r.p.names);
    m.partitionedSince = m.now;
    await r.p.settle();
    await checkInvariants(m, r);
  }
  toString = () => "partition";
}

class Heal implements Cmd {
  check = (m: Readonly<Model>) => m.ended === null && m.partitionedSince !== null;
  async run(m: Model, r: Real) {
    r.p.network.heal();
    m.partitionedSince = null;
    await advanceTo(m, r, 5_000); // backoff (<= 2 s) + connect
    await checkInvariants(m, r);
  }
  toString = () => "heal";
}

class Rotate implements Cmd {
  constructor(readonly side: "a" | "b") {}
  check = (m: Readonly<Model>) => m.ended === null && m.partitionedSince === null;
  async run(m: Model, r: Real) {
    (this.side === "a" ? r.p.a : r.p.b).rotateNow();
    await advanceTo(m, r, 1_000);
    if (!m.ended) m.epoch++;
    await checkInvariants(m, r);
  }
  toString = () => `rotate(${this.side})`;
}

class End implements Cmd {
  constructor(readonly side: "a" | "b") {}
  check = (m: Readonly<Model>) => m.ended === null && m.partitionedSince === null;
  async run(m: Model, r: Real) {
    await (this.side === "a" ? r.p.a : r.p.b).end();
    await r.p.settle();
    m.ended = this.side === "a" ? { a: "user", b: "peerEnded" } : { a: "peerEnded", b: "user" };
    await checkInvariants(m, r);
  }
  toString = () => `end(${this.side})`;
}

const side = fc.constantFrom("a" as const, "b" as const);
const edit = side.map((s) => new Edit(s));
const wait = fc.integer({ min: 500, max: 45_000 }).map((ms) => new Wait(ms));
// Repeated entries weigh the draw: mostly edits and time, sometimes a partition, rarely an end.
const commands = [
  edit, edit, wait, wait, wait,
  fc.constant(new Partition()),
  fc.constant(new Heal()),
  side.map((s) => new Rotate(s)),
  side.map((s) => new End(s)),
];

describe("engine: model-based", () => {
  test.prop([fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.commands(commands, { maxCommands: 25 })], { numRuns: 40 })(
    "two engines follow the model through edits, time, partitions, rotations and ends",
    async (seed, cmds) => {
      const p = createEnginePair({ seed, timings: TIMINGS, aead: nodeAead });
      const held: Uint8Array[] = [];
      for (const e of [p.a, p.b]) probeEngine(e).watchSecrets((live) => held.push(...live));
      await p.pair();
      await fc.asyncModelRun(
        () => ({ model: { now: 0, lastActivity: 0, partitionedSince: null, ended: null, epoch: 0, keys: 0 }, real: { p, held } }),
        cmds,
      );
      if (p.a.snapshot().status !== "ended") await p.a.end();
      await p.settle();
    },
  );
});
