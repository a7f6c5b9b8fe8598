/** The `npm start` demo runs to the end and reports success (fast mode: no cosmetic pauses). */
import { expect, it } from "vitest";
import { runDemo } from "../../src/cli/demo.js";

it("the demo pairs, syncs, rotates, ends by itself and shows the wipe; exit code 0", async () => {
  const lines: string[] = [];
  const code = await runDemo(["--fast"], { out: (l) => lines.push(l) });
  const text = lines.join("\n");
  expect(code, text).toBe(0);
  expect(text).toMatch(/laptop shows the code: +\d+-[a-z]+-[a-z]+/);
  expect(text).toContain("ok  all");
  expect(text).toContain("demo complete");
  expect(text).not.toContain("FAIL");
});
