/**
 * Relay store compliance suite: every RelayStore (memory, Redis) runs these same tests.
 * `setup` returns a fresh store plus `expire()`, which moves time past the store's TTL and
 * nameplate cool-down (a simulated clock for memory; real short TTLs awaited via keyspace
 * state for Redis).
 */
import { describe, expect, it } from "vitest";
import type { RelayStore, StoreEvent } from "../../src/relay/store/types.js";

export interface StoreTestSetup {
  setup(options: { random?: () => number }): Promise<{ store: RelayStore; expire(): Promise<void> }>;
  teardown(store: RelayStore): Promise<void>;
}

const mb = (n: number) => n.toString(16).padStart(32, "0");
const bytes = (...xs: number[]) => Uint8Array.from(xs);

export function storeCompliance(name: string, t: StoreTestSetup): void {
  describe(`RelayStore compliance: ${name}`, () => {
    const withStore = async (fn: (s: RelayStore, expire: () => Promise<void>) => Promise<void>, random?: () => number) => {
      const { store, expire } = await t.setup(random ? { random } : {});
      try {
        await fn(store, expire);
      } finally {
        await t.teardown(store);
      }
    };

    it("claims a small decimal nameplate that a joiner takes once; a second taker is told crowded", () =>
      withStore(async (s) => {
        const np = await s.claimNameplate(mb(1));
        expect(np).toMatch(/^[1-9][0-9]?$/);
        expect(await s.takeNameplate(np!)).toEqual({ ok: true, mailbox: mb(1) });
        expect(await s.takeNameplate(np!)).toEqual({ ok: false, reason: "crowded" });
        expect(await s.refreshNameplate(np!, mb(1))).toBe(false);
      }));

    it("an unknown nameplate is not_found", () =>
      withStore(async (s) => {
        expect(await s.takeNameplate("424242")).toEqual({ ok: false, reason: "not_found" });
      }));

    it("never hands out a nameplate in use or cooling down; hands it out again after the cool-down", () =>
      withStore(
        async (s, expire) => {
          // random() = 0 makes every candidate "1": the allocator can only ever offer nameplate 1.
          expect(await s.claimNameplate(mb(1))).toBe("1");
          expect(await s.claimNameplate(mb(2))).toBeUndefined();
          expect(await s.refreshNameplate("1", mb(1))).toBe(true);
          expect(await s.refreshNameplate("1", mb(2))).toBe(false);
          await s.releaseNameplate("1", mb(2)); // not the owner's mailbox: no effect
          expect(await s.takeNameplate("1")).toEqual({ ok: true, mailbox: mb(1) });
          expect(await s.claimNameplate(mb(3))).toBeUndefined();
          await expire();
          expect(await s.takeNameplate("1")).toEqual({ ok: false, reason: "not_found" });
          expect(await s.claimNameplate(mb(4))).toBe("1");
          await s.releaseNameplate("1", mb(4));
          // Released by its host (nobody joined): a joiner finds nothing, but it still cools down.
          expect(await s.takeNameplate("1")).toEqual({ ok: false, reason: "not_found" });
          expect(await s.claimNameplate(mb(5))).toBeUndefined();
        },
        () => 0,
      ));

    it("holds blobs per recipient side, in order, up to the limit, and drains them once", () =>
      withStore(async (s) => {
        const src = bytes(1, 2, 3);
        expect(await s.hold(mb(7), "join", src, 3)).toBe("held");
        src[0] = 99; // the store owns a copy
        expect(await s.hold(mb(7), "join", bytes(4), 3)).toBe("held");
        expect(await s.hold(mb(7), "join", bytes(), 3)).toBe("held");
        expect(await s.hold(mb(7), "join", bytes(5), 3)).toBe("full");
        expect(await s.hold(mb(7), "host", bytes(6), 3)).toBe("held");
        expect((await s.stats()).heldBlobs).toBe(4);
        const d = await s.drain(mb(7), "join");
        expect(d.blobs.map((b) => [...b])).toEqual([[1, 2, 3], [4], []]);
        expect((await s.drain(mb(7), "join")).blobs).toEqual([]);
        expect((await s.drain(mb(7), "host")).blobs.map((b) => [...b])).toEqual([[6]]);
        expect((await s.stats()).heldBlobs).toBe(0);
      }));

    it("presence belongs to a token: only its owner clears it", () =>
      withStore(async (s) => {
        expect(await s.isPresent(mb(9), "host")).toBe(false);
        await s.setPresent(mb(9), "host", "a");
        expect(await s.isPresent(mb(9), "host")).toBe(true);
        expect(await s.isPresent(mb(9), "join")).toBe(false);
        await s.setPresent(mb(9), "host", "b"); // a newer subscriber took over
        await s.clearPresent(mb(9), "host", "a");
        expect(await s.isPresent(mb(9), "host")).toBe(true);
        await s.clearPresent(mb(9), "host", "b");
        expect(await s.isPresent(mb(9), "host")).toBe(false);
      }));

    it("publishes blobs and peer events to the subscribers of one side only", () =>
      withStore(async (s) => {
        const got: StoreEvent[] = [];
        const other: StoreEvent[] = [];
        let arrived: () => void = () => {};
        const unsub = await s.subscribe(mb(11), "join", (e) => {
          got.push(e);
          if (got.length === 3) arrived();
        });
        const unsubOther = await s.subscribe(mb(11), "host", (e) => other.push(e));
        const done = new Promise<void>((r) => (arrived = r));
        const big = new Uint8Array(65536).map((_, i) => i & 0xff);
        await s.publish(mb(11), "join", { kind: "blob", blob: bytes(0, 255, 7) });
        await s.publish(mb(11), "join", { kind: "peer" });
        await s.publish(mb(11), "join", { kind: "blob", blob: big });
        await done;
        expect(got[0]!.kind === "blob" && [...got[0]!.blob]).toEqual([0, 255, 7]);
        expect(got[1]).toEqual({ kind: "peer" });
        expect(got[2]!.kind === "blob" && Buffer.from(got[2]!.blob).equals(Buffer.from(big))).toBe(true);
        await unsub();
        // After unsubscribing nothing more arrives; a round trip on the other side proves the
        // later publish was processed.
        let sawHost: () => void = () => {};
        const hostSeen = new Promise<void>((r) => (sawHost = r));
        await unsubOther();
        const unsubHost = await s.subscribe(mb(11), "host", () => sawHost());
        await s.publish(mb(11), "join", { kind: "blob", blob: bytes(1) });
        await s.publish(mb(11), "host", { kind: "peer" });
        await hostSeen;
        expect(got).toHaveLength(3);
        expect(other).toHaveLength(0);
        await unsubHost();
      }));

    it("forgets everything after the TTL: held blobs, presence, nameplates", () =>
      withStore(async (s, expire) => {
        await s.hold(mb(13), "join", bytes(1, 2), 8);
        await s.setPresent(mb(13), "host", "tok");
        const np = await s.claimNameplate(mb(13));
        expect(np).toBeDefined();
        await expire();
        expect((await s.drain(mb(13), "join")).blobs).toEqual([]);
        expect(await s.isPresent(mb(13), "host")).toBe(false);
        expect(await s.takeNameplate(np!)).toEqual({ ok: false, reason: "not_found" });
        expect(await s.refreshNameplate(np!, mb(13))).toBe(false);
        expect(await s.stats()).toEqual({ heldBlobs: 0, nameplates: 0 });
      }));
  });
}
