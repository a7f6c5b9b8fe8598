/**
 * Signaling compliance suite. Every Signaling implementation runs it (memory, LAN, relay):
 *
 *   import { signalingCompliance } from "../compliance/signaling.js";
 *   signalingCompliance("relay", {
 *     setup: async () => ({ a: relaySignaling({ url })(), b: relaySignaling({ url })(), c: relaySignaling({ url })() }),
 *     teardown: async ({ a, b, c }) => { await a.close(); await b.close(); await c.close(); },
 *   });
 *
 * `a`, `b`, `c` are three devices on the same service (c is the third party that must be
 * refused). Checks: host/join/peerJoined, ordered and byte-exact delivery both ways, blobs held
 * for a peer that arrives later (mailbox), unknown and crowded nameplates, release on close, the
 * size limit, closed-session errors, idempotent close, and hostile input (odd nameplates and
 * mailbox ids are typed errors; arbitrary bytes are carried verbatim, never parsed). Mailboxes
 * are opened with real proofs of a pairing's keys (`auth`), as the runtime opens them.
 */
import { describe, expect, it } from "vitest";
import { firstValueFrom, lastValueFrom, take, toArray } from "rxjs";
import type { Signaling } from "../../adapters/signaling/types.js";
import { pairedMailboxAuth } from "./mailbox-auth.js";
import { withSetup, type SuiteSetup } from "./suite.js";

export interface SignalingTrio {
  readonly a: Signaling;
  readonly b: Signaling;
  readonly c: Signaling;
}

export type SignalingSuiteSetup<T extends SignalingTrio = SignalingTrio> = SuiteSetup<T>;

const blob = (n: number, fill: number) => new Uint8Array(n).fill(fill & 0xff);
/** A random-looking 128-bit mailbox id as the runtime derives them (hex). */
const mailboxId = (i: number) => (i.toString(16).padStart(8, "0") + "5eed").repeat(3).slice(0, 32);

export function signalingCompliance<T extends SignalingTrio>(name: string, s: SignalingSuiteSetup<T>): void {
  describe(`signaling compliance: ${name}`, () => {
    const withTrio = withSetup(s);

    it("host claims a nameplate, join reaches it, peerJoined resolves on both sides", withTrio(async ({ a, b }) => {
      const h = await a.host();
      expect(typeof h.nameplate).toBe("string");
      expect(h.nameplate.length).toBeGreaterThan(0);
      const j = await b.join(h.nameplate);
      expect(j.nameplate).toBe(h.nameplate);
      await Promise.all([h.peerJoined, j.peerJoined]);
    }));

    it("delivers blobs in order and byte-exact, both ways", withTrio(async ({ a, b }) => {
      const h = await a.host();
      const j = await b.join(h.nameplate);
      const n = 50;
      const atJ = firstValueFrom(j.messages$.pipe(take(n), toArray()));
      const atH = firstValueFrom(h.messages$.pipe(take(n), toArray()));
      for (let i = 0; i < n; i++) {
        await h.send(blob(1 + i, i));
        await j.send(blob(2 + i, 200 - i));
      }
      (await atJ).forEach((m, i) => expect(m).toEqual(blob(1 + i, i)));
      (await atH).forEach((m, i) => expect(m).toEqual(blob(2 + i, 200 - i)));
    }));

    it("carries arbitrary bytes verbatim (it never parses them)", withTrio(async ({ a, b }) => {
      const h = await a.host();
      const j = await b.join(h.nameplate);
      const odd = [new Uint8Array([0]), new TextEncoder().encode('{"__proto__":{"x":1}}'), Uint8Array.from({ length: 300 }, (_, i) => (i * 7919) & 0xff)];
      const got = firstValueFrom(j.messages$.pipe(take(odd.length), toArray()));
      for (const o of odd) await h.send(o);
      expect(await got).toEqual(odd);
    }));

    it("a private mailbox holds blobs until the other side opens it", withTrio(async ({ a, b }) => {
      const id = mailboxId(1);
      const auth = pairedMailboxAuth();
      const ha = await a.mailbox(id, "host", { auth: auth.host });
      await ha.send(blob(10, 1));
      await ha.send(blob(10, 2));
      const jb = await b.mailbox(id, "join", { auth: auth.join });
      const got = await firstValueFrom(jb.messages$.pipe(take(2), toArray()));
      expect(got).toEqual([blob(10, 1), blob(10, 2)]);
      await Promise.all([ha.peerJoined, jb.peerJoined]);
      const back = firstValueFrom(ha.messages$);
      await jb.send(blob(5, 5));
      expect(await back).toEqual(blob(5, 5));
      auth.wipe();
    }));

    it("joining an unknown nameplate fails with NameplateNotFoundError", withTrio(async ({ b }) => {
      await expect(b.join("987654")).rejects.toMatchObject({ name: "NameplateNotFoundError" });
    }));

    it("a third device on a taken nameplate gets NameplateCrowdedError", withTrio(async ({ a, b, c }) => {
      const h = await a.host();
      await b.join(h.nameplate);
      await expect(c.join(h.nameplate)).rejects.toMatchObject({ name: "NameplateCrowdedError" });
    }));

    it("the nameplate is released when the host closes", withTrio(async ({ a, b }) => {
      const h = await a.host();
      await h.close();
      await expect(b.join(h.nameplate)).rejects.toMatchObject({ name: "NameplateNotFoundError" });
    }));

    it("refuses an oversized blob with BlobTooLargeError", withTrio(async ({ a, b }) => {
      const h = await a.host();
      await b.join(h.nameplate);
      await expect(h.send(new Uint8Array(1024 * 1024 + 1))).rejects.toMatchObject({ name: "BlobTooLargeError" });
    }));

    it("close: messages$ completes, send rejects with SignalingClosedError, close is idempotent", withTrio(async ({ a, b }) => {
      const h = await a.host();
      const j = await b.join(h.nameplate);
      const done = lastValueFrom(j.messages$.pipe(toArray()));
      await j.close();
      await j.close();
      await done;
      await expect(j.send(blob(1, 1))).rejects.toMatchObject({ name: "SignalingClosedError" });
      await a.close();
      await a.close();
    }));

    it("hostile input from callers: odd nameplates and mailbox ids are typed errors", withTrio(async ({ b }) => {
      for (const np of ["", "../../etc", "x".repeat(10_000), "\u0000"]) {
        const err = await b.join(np).then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(Error);
        expect(String((err as Error).name)).toMatch(/Error$/);
        expect((err as Error).name).not.toBe("Error");
        expect((err as Error).name).not.toBe("TypeError");
      }
      for (const id of ["", "short", "x".repeat(10_000)]) {
        const err = await b.mailbox(id, "host").then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(Error);
        expect((err as Error).name).not.toBe("Error");
      }
    }));
  });
}
