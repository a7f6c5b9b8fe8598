/** The hand-built update message is byte for byte y-protocols' `writeUpdate`. */
import fc from "fast-check";
import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import { describe, expect, it } from "vitest";
import { updateMessage } from "../../../src/adapters/crdt/yjs.js";

const reference = (update: Uint8Array): Uint8Array => {
  const e = encoding.createEncoder();
  syncProtocol.writeUpdate(e, update);
  return encoding.toUint8Array(e);
};

describe("updateMessage", () => {
  it("equals y-protocols' writeUpdate for any update", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (update) => {
        expect(updateMessage(update)).toEqual(reference(update));
      }),
      { numRuns: 300 },
    );
  });

  it("equals it at every varUint length boundary", () => {
    for (const n of [0, 1, 127, 128, 16_383, 16_384, 16_400, 2_097_151, 2_097_152]) {
      const update = new Uint8Array(n).map((_, i) => (i * 31) & 0xff);
      const ours = updateMessage(update);
      const theirs = reference(update);
      expect(ours.length).toBe(theirs.length);
      expect(Buffer.compare(ours, theirs)).toBe(0); // (toEqual walks 2 MiB element by element)
    }
  });
});
