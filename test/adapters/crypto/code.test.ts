/**
 * Pairing codes: the embedded word lists equal the vector file, generation is magic-wormhole's
 * (odd list first, one byte per word), parsing canonicalises what a person types, and unknown
 * words name themselves and the closest list words.
 */
import { describe, expect, it } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { completeCode, generateCode, parseCode, suggest } from "../../../src/adapters/crypto/code.js";
import * as entry from "../../../src/adapters/crypto/index.js";
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
  it("two valid words swapped: the error says so and gives the order", () => {
    // "clockwork" is even-list (second position), "crossover" odd-list (first position)
    let err: any;
    try {
      parseCode("7 Clockwork crossover");
    } catch (e) {
      err = e;
    }
    expect(err.name).toBe("SwappedWordsError");
    expect(err).toBeInstanceOf(entry.UnknownWordError);
    expect(err.position).toBe(1);
    expect(err.message).toBe('words 1 and 2 are swapped: "crossover" comes first, then "clockwork"');
    // later in a longer code too
    expect(errName(() => parseCode("7-crossover-crossover-clockwork"))).toBe("SwappedWordsError");
  });
  it("a code word in the wrong place (no swap partner) says where it belongs instead of suggesting unrelated words", () => {
    let err: any;
    try {
      parseCode("7-clockwork-clockwork");
    } catch (e) {
      err = e;
    }
    expect(err.name).toBe("UnknownWordError");
    expect(err.otherPosition).toBe(true);
    expect(err.message).toContain('"clockwork" cannot be word 1: it belongs at an even position');
    expect(errName(() => parseCode("7-crossover-crossover"))).toBe("UnknownWordError");
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

describe("completeCode", () => {
  it("is exported from lethe-sync/crypto with both word lists", () => {
    expect(entry.completeCode).toBe(completeCode);
    expect(entry.ODD_WORDS).toBe(ODD_WORDS);
    expect(entry.EVEN_WORDS).toBe(EVEN_WORDS);
  });
  it("completes the word being typed from the list for its position", () => {
    expect(completeCode("7-cros")).toEqual(["7-crossover-"]);
    expect(completeCode("7 Crossover clockw")).toEqual(["7-crossover-clockwork"]);
    expect(completeCode("7-crossover-cl")).toEqual(EVEN_WORDS.filter((w) => w.startsWith("cl")).map((w) => `7-crossover-${w}`));
    // position decides the list: an even-list prefix completes nothing at position 1
    expect(completeCode("7-clockw")).toEqual([]);
    expect(completeCode("7-crossover-crosso")).toEqual([]);
  });
  it("after the nameplate or a separator, offers the next position's whole list", () => {
    expect(completeCode("7")).toEqual(["7-"]);
    expect(completeCode("007")).toEqual(["7-"]);
    expect(completeCode("7-")).toHaveLength(256);
    expect(completeCode("7 ")[0]).toBe(`7-${ODD_WORDS[0]}-`);
    expect(completeCode("7-crossover ")).toEqual(EVEN_WORDS.map((w) => `7-crossover-${w}`));
  });
  it("offers nothing without a nameplate, past a wrong word, or past the last word", () => {
    for (const text of ["", "  ", "abc", "0-cros", "x-cros", "7-crosover-cl", "7-crossover-clockwork-", "7-crossover-clockwork-a"]) {
      expect(completeCode(text), JSON.stringify(text)).toEqual([]);
    }
    expect(completeCode("7-crossover-clockwork-a", { words: 3 })).toEqual(ODD_WORDS.filter((w) => w.startsWith("a")).map((w) => `7-crossover-clockwork-${w}`));
    expect(errName(() => completeCode("7", { words: 0 }))).toBe("CodeFormatError");
  });
  test.prop([fc.integer({ min: 1, max: 9999 }), fc.uint8Array({ minLength: 3, maxLength: 3 }), fc.nat(), fc.constantFrom(" ", "-", " - ")], { numRuns: 200 })(
    "every prefix of a generated code completes to candidates that include the code",
    (plate, bytes, cut, sep) => {
      const code = generateCode({ nameplate: String(plate), words: 3, random: (n) => bytes.slice(0, n) });
      const plateLength = String(plate).length; // a prefix of the nameplate is another nameplate
      const typed = code.slice(0, plateLength + (cut % (code.length - plateLength + 1))).split("-").join(sep);
      const candidates = completeCode(typed, { words: 3 });
      expect(candidates.some((c) => code.startsWith(c)), `${typed} -> ${candidates.slice(0, 3).join(",")}`).toBe(true);
      for (const c of candidates) expect(c.startsWith(typed.split(/[ -]+/).slice(0, -1).join("-"))).toBe(true);
    },
  );
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
