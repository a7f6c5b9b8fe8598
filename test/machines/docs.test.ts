/**
 * docs/machines.md is generated from the machine definitions (`npm run docs:machines`); this
 * test regenerates it in memory and fails when the committed file is stale.
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { DOC_PATH, renderMachinesDoc } from "../../scripts/docs-machines.js";
import { MACHINES } from "../../src/machines/index.js";

describe("docs/machines.md", () => {
  test("is up to date with the machine definitions (run `npm run docs:machines`)", () => {
    const committed = readFileSync(DOC_PATH, "utf8");
    expect(committed === renderMachinesDoc(), "docs/machines.md is stale: run `npm run docs:machines`").toBe(true);
  });

  test("has one Mermaid state diagram per machine", () => {
    const doc = renderMachinesDoc();
    expect(doc.match(/```mermaid\nstateDiagram-v2/g)).toHaveLength(MACHINES.length);
    for (const { name } of MACHINES) expect(doc).toContain(`## ${name}\n`);
  });
});
