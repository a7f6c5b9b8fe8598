/**
 * The complete example in docs/api.md runs as written (STYLE §14: examples cannot rot).
 */
import { expect, it } from "vitest";
import { docExample, runDocExample } from "../helpers/doc-example.js";

it("docs/api.md: the complete example runs and does what it says", async () => {
  const logs = await runDocExample(docExample("docs/api.md", "## Complete example"));
  expect(logs.some((l) => /^type this on the phone: \d+-[a-z]+-[a-z]+$/.test(l))).toBe(true);
  expect(logs).toContain('phone sees {"theme":"dark"}');
  expect(logs).toContain("laptop event: connected");
  expect(logs).toContain("phone ended: peerEnded");
});
