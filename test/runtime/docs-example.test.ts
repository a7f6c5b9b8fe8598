/**
 * The complete example in docs/api.md runs as written (STYLE §14: examples cannot rot).
 */
import { expect, it } from "vitest";
import { docExample, runDocExample, runDocExampleInNode } from "../helpers/doc-example.js";

it("docs/api.md: the complete example runs and does what it says", async () => {
  const logs = await runDocExample(docExample("docs/api.md", "## Complete example"));
  expect(logs.some((l) => /^type this on the phone: \d+-[a-z]+-[a-z]+$/.test(l))).toBe(true);
  expect(logs).toContain('phone sees {"theme":"dark"}');
  expect(logs).toContain("laptop event: connected");
  expect(logs).toContain("phone ended: peerEnded");
  expect(logs.some((l) => /^both devices show: ([a-z]+ ){3}[a-z]+$/.test(l))).toBe(true);
});

it("docs/api.md: the testing example runs in plain Node (lethe-sync/testing loads no test runner)", async () => {
  const logs = await runDocExampleInNode(docExample("docs/api.md", "## Testing with Lethe"));
  expect(logs).toEqual(["ended: inactivity inactivity", "timers left: 0", "key buffers left: 0"]);
});
