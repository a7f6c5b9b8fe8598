/**
 * docs/machines.md is generated from the machine definitions (`npm run docs:machines`); this
 * test regenerates it in memory and fails when the committed file is stale, and checks that it
 * shows what each machine invokes and which effects it asks for.
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { DOC_PATH, invokedActors, renderMachinesDoc } from "../../scripts/docs-machines.js";
import { MACHINES } from "../../src/machines/index.js";

const sectionOf = (doc: string, name: string): string => {
  const start = doc.indexOf(`## ${name}\n`);
  const next = doc.indexOf("\n## ", start + 1);
  return doc.slice(start, next === -1 ? undefined : next);
};

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

  test("the catalog names exactly the actors each definition invokes", () => {
    for (const { name, machine, invokes } of MACHINES) expect([...invokedActors(machine)].sort(), name).toEqual([...invokes].sort());
  });

  test("each machine's section lists its invoked actors (also as diagram notes) and its effects", () => {
    const doc = renderMachinesDoc();
    for (const { name, invokes, effects } of MACHINES) {
      const section = sectionOf(doc, name);
      const line = (label: string) => section.split("\n").find((l) => l.startsWith(`- **${label}:**`)) ?? "";
      for (const actor of invokes) {
        expect(line("Invokes"), `${name} invokes ${actor}`).toContain(`\`${actor}\``);
        expect(section, `${name}: a diagram note for ${actor}`).toMatch(new RegExp(`note right of \\w+ : invokes .*\\b${actor}\\b`));
      }
      for (const effect of effects) expect(line("Effects"), `${name} asks for ${effect}`).toContain(`\`${effect}\``);
      if (invokes.length === 0) expect(line("Invokes")).toBe("- **Invokes:** nothing");
      if (effects.length === 0) expect(line("Effects")).toContain("none");
    }
  });
});
