/**
 * Every program under examples/ runs as written (its `lethe-sync…` imports pointed at the
 * sources) and prints what its comments promise.
 */
import { expect, it } from "vitest";
import { runExampleFile } from "../helpers/doc-example.js";

it("examples/desktop-and-phone.ts: two Zustand stores stay in step for a session and keep their values after it", { timeout: 60_000 }, async () => {
  const logs = await runExampleFile("examples/desktop-and-phone.ts");
  expect(logs).toEqual([
    "phone after pairing: dark",
    "desktop sees: Weekly standup",
    "phone sees theme: light",
    'after the end, the phone\'s store still has: {"theme":"light","recording":{"title":"Weekly standup","status":"recording"}}',
  ]);
});
