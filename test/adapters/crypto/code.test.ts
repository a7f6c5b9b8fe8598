/**
 * Pairing codes: the embedded word lists equal the vector file, generation is magic-wormhole's
 * (odd list first, one byte per word), parsing canonicalises what a person types, and unknown
 * words name themselves and the closest list words.
 */
import { describe, expect, it } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { generateCode, parseCode, suggest } from "../../../src/adapters/crypto/code.js";
import { EVEN_WORDS, ODD_WORDS } from "../../../src/adapters/crypto/words.js";
import { errName, loadVectors } from "./helpers.js";

const list = loadVectors("pgp-wordlist.json");
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

describe("word lists", () => {
  it("equal magic-wormhole's lists, lower-cased", () => {
    expect(EVEN_WORDS).toEqual((list.even as string[]).map((w) => w.toLowerCase()));
    expect(ODD_WORDS).toEqual((list.odd as string[]).map((w) => w.toLowerCase()));
    expect(new Set([...EVEN_WORDS, ...ODD_WORDS]).size).toBe(512);
  });
});

describe("generateCode", () => {
  it("reproduces magic-wormhole's example (bytes 04 10 -> alkali-assume)", () => {
    const ex = list.magic_wormhole_code_rules.example_from_magic_wormhole_tests;
    const bytes = Uint8Array.from((ex.random_bytes_hex as string[]).map((h) => parseInt(h, 16)));
    expect(generateCode({ nameplate: "7", random: () => Uint8Array.from(bytes) })).toBe(`7-${ex.words}`);
  });
  it("defaults to two words and honours the count", () => {
    expect(generateCode({ nameplate: "12" }).split("-")).toHaveLength(3);
    expect(generateCode({ nameplate: "12", words: 5 }).split("-")).toHaveLength(6);
  });
  it("refuses a non-numeric nameplate and silly word counts", () => {
    expect(errName(() => generateCode({ nameplate: "x1" }))).toBe("CodeFormatError");
    expect(errName(() => generateCode({ nameplate: "0" }))).toBe("CodeFormatError"); // no relay or LAN hands out 0
    expect(errName(() => generateCode({ nameplate: "1", words: 0 }))).toBe("CodeFormatError");
    expect(errName(() => generateCode({ nameplate: "1", words: 1.5 }))).toBe("CodeFormatError");
  });
});

describe("parseCode", () => {
  it("canonicalises case, spaces, separators and Unicode forms", () => {
    const want = "7-crossover-clockwork";
    for (const typed of [
      "7-crossover-clockwork",
      " 7-Crossover-Clockwork",
      "7 crossover clockwork",
      "7--crossover---clockwork-",
      "07_CROSSOVER.clockwork",
      "7 – crossover — clockwork",
      "\t7-crossover-clockwork\n",
    ]) {
      const p = parseCode(typed);
      expect(dec(p.password), typed).toBe(want);
      expect(p.nameplate).toBe("7");
    }
  });
  it("NFC-normalises before comparing (a decomposed letter is still unknown, but equal to its composed form)", () => {
    const composed = "7-crossover-clockwork\u00e9";
    const decomposed = "7-crossover-clockworke\u0301";
    expect(errName(() => parseCode(composed))).toBe("UnknownWordError");
    try {
      parseCode(decomposed);
    } catch (e) {
      expect((e as { word: string }).word).toBe("clockwork\u00e9");
    }
  });
  it("names an unknown word and suggests the closest list words", () => {
    let err: any;
    try {
      parseCode("7-crossover-clockwrok");
    } catch (e) {
      err = e;
    }
    expect(err.name).toBe("UnknownWordError");
    expect(err.word).toBe("clockwrok");
    expect(err.position).toBe(2);
    expect(err.suggestions[0]).toBe("clockwork");
    expect(err.message).toContain("clockwrok");
    expect(err.message).toContain("clockwork");
  });
  it("a word from the wrong list is unknown at that position", () => {
    // "clockwork" is even-list (second position); first position wants the odd list
    expect(errName(() => parseCode("7-clockwork-crossover"))).toBe("UnknownWordError");
  });
  it("refuses malformed codes with CodeFormatError", () => {
    for (const bad of ["", "   ", "crossover-clockwork", "7", "7-", "x-crossover-clockwork", "1234567890-crossover-clockwork", "7-" + "a".repeat(600)]) {
      expect(errName(() => parseCode(bad)), JSON.stringify(bad)).toBe("CodeFormatError");
    }
  });
  it("suggest ranks by edit distance", () => {
    expect(suggest("aardvak", EVEN_WORDS)[0]).toBe("aardvark");
  });
});

describe("properties", () => {
  test.prop([fc.integer({ min: 1, max: 999 }), fc.integer({ min: 1, max: 6 }), fc.uint8Array({ minLength: 6, maxLength: 6 })], { numRuns: 200 })(
    "every generated code parses back to itself",
    (plate, words, bytes) => {
      const code = generateCode({ nameplate: String(plate), words, random: (n) => bytes.slice(0, n) });
      expect(dec(parseCode(code).password)).toBe(code);
    },
  );
  test.prop(
    [fc.uint8Array({ minLength: 2, maxLength: 2 }), fc.array(fc.constantFrom(" ", "-", "--", " - ", "_", "."), { minLength: 3, maxLength: 3 }), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 })],
    { numRuns: 200 },
  )("typing variations canonicalise to the same password", (bytes, seps, upper) => {
    const code = generateCode({ nameplate: "42", random: () => Uint8Array.from(bytes) });
    const [n, w1, w2] = code.split("-") as [string, string, string];
    const shout = (w: string) => Array.from(w, (c, i) => (upper[i] ? c.toUpperCase() : c)).join("");
    const typed = ` ${n}${seps[0]}${shout(w1)}${seps[1]}${shout(w2)}${seps[2]}`;
    expect(dec(parseCode(typed).password)).toBe(code);
  });
});
