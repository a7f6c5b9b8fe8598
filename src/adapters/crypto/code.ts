/**
 * Pairing codes: `<nameplate>-<word>-<word>[-<word>…]`, magic-wormhole style (DESIGN §4,
 * docs/protocol.md §1). Words are from the PGP list, odd list first, alternating; one random
 * byte per word. Parsing accepts what a person types (case, surrounding space, doubled or odd
 * separators, Unicode forms via NFC) and returns the canonical code as UTF-8 bytes, which is
 * the SPAKE2 password. The password is assembled from the word list's own strings straight into
 * an off-heap buffer: no string of the whole canonical code is ever made (the text the person
 * typed is the caller's string; JavaScript cannot erase it).
 *
 * Typing help, as magic-wormhole's tab completion: `completeCode` completes the word being typed
 * from the list for its position (the odd and even lists share no word, so the position decides
 * the list), and a valid pair typed in the wrong order is named as swapped, not as unknown.
 */
import { randomBytes } from "@noble/hashes/utils.js";
import { isNameplate } from "../../protocol/rendezvous.js";
import { abytes, offHeap } from "./bytes.js";
import { CodeFormatError, SwappedWordsError, UnknownWordError } from "./errors.js";
import type { RandomSource } from "./spake2.js";
import { byteOf, listFor } from "./words.js";

export const DEFAULT_CODE_WORDS = 2;
export const MAX_CODE_WORDS = 16;
/** Upper bound on code text we parse at all (a bounded decode of user input). */
export const MAX_CODE_TEXT = 512;
/** What a person may type for the nameplate: leading zeros are forgiven, then canonicalised. */
const TYPED_NAMEPLATE = /^[0-9]{1,9}$/;

export interface GenerateCodeOptions {
  /** Decimal digits (from the relay or the LAN host). */
  readonly nameplate: string;
  /** Number of words, default 2 (16 bits per online guess). */
  readonly words?: number;
  readonly random?: RandomSource;
}

export interface ParsedCode {
  /** Canonical nameplate (decimal, no leading zeros); public. */
  readonly nameplate: string;
  /** UTF-8 of the canonical whole code, off-heap; the SPAKE2 password. Zero it when done. */
  readonly password: Uint8Array;
}

function canonicalNameplate(text: string): string {
  const canonical = TYPED_NAMEPLATE.test(text) ? String(Number(text)) : "";
  if (!isNameplate(canonical)) throw new CodeFormatError("nameplate must be a decimal number of 1-9 digits, not 0");
  return canonical;
}

/** A fresh code for display to the person. */
export function generateCode(options: GenerateCodeOptions): string {
  const nameplate = canonicalNameplate(options.nameplate);
  const n = options.words ?? DEFAULT_CODE_WORDS;
  if (!Number.isInteger(n) || n < 1 || n > MAX_CODE_WORDS) {
    throw new CodeFormatError(`word count must be an integer in [1, ${MAX_CODE_WORDS}]`);
  }
  const bytes = abytes((options.random ?? randomBytes)(n), `random(${n})`, n);
  try {
    return [nameplate, ...Array.from(bytes, (b, i) => listFor(i)[b] as string)].join("-");
  } finally {
    bytes.fill(0);
  }
}

// Separators a person may type or a phone may substitute: ASCII and Unicode dashes, spaces,
// underscores, dots, commas, slashes. Runs of them count as one.
const SEPARATORS = /[\s\-_.,/\u2010-\u2015\u2212]+/u;

/** Canonicalises typed code text; throws CodeFormatError / UnknownWordError. */
export function parseCode(text: string): ParsedCode {
  if (typeof text !== "string") throw new CodeFormatError("code must be a string");
  if (text.length > MAX_CODE_TEXT) throw new CodeFormatError(`code text longer than ${MAX_CODE_TEXT} characters`);
  const parts = text.normalize("NFC").toLowerCase().split(SEPARATORS).filter((p) => p.length > 0);
  const [first, ...words] = parts;
  if (first === undefined) throw new CodeFormatError("code is empty");
  const nameplate = canonicalNameplate(first);
  if (words.length === 0) throw new CodeFormatError("code has no words after the nameplate");
  if (words.length > MAX_CODE_WORDS) throw new CodeFormatError(`code has more than ${MAX_CODE_WORDS} words`);
  const canonical = words.map((w, i) => {
    const b = byteOf(w, i);
    if (b !== undefined) return listFor(i)[b] as string;
    const next = words[i + 1];
    // Both words valid, each in the other's place: the person swapped them.
    if (next !== undefined && byteOf(w, i + 1) !== undefined && byteOf(next, i) !== undefined) {
      throw new SwappedWordsError(w, next, i + 1);
    }
    throw new UnknownWordError(w, i + 1, suggest(w, listFor(i)), byteOf(w, i + 1) !== undefined);
  });
  return { nameplate, password: passwordBytes(nameplate, canonical) };
}

/** "<nameplate>-<word>-<word>…" as bytes (digits and list words are ASCII), off-heap. */
function passwordBytes(nameplate: string, words: readonly string[]): Uint8Array {
  let length = nameplate.length;
  for (const w of words) length += 1 + w.length;
  const out = offHeap(length);
  let at = 0;
  const put = (s: string) => {
    for (let i = 0; i < s.length; i++) out[at++] = s.charCodeAt(i);
  };
  put(nameplate);
  for (const w of words) {
    out[at++] = 0x2d; // "-"
    put(w);
  }
  return out;
}

export interface CompleteCodeOptions {
  /** Words the code has (default 2): no completion goes past the last one. */
  readonly words?: number;
}

/**
 * Completions of code text as a person types it (tab completion, suggestion lists): the word
 * being typed is completed from the list for its position, case-insensitively. Returns whole
 * candidate texts in canonical form, a `-` after every word but the last
 * (`"7 cros"` -> `["7-crossover-"]`, `"7-crossover-cl"` -> `["7-crossover-classic", …]`),
 * in list order; `[]` when nothing fits (no nameplate yet, a wrong word before the one being
 * typed, or the code already complete). Text that ends in a separator asks for the next word.
 */
export function completeCode(text: string, options: CompleteCodeOptions = {}): string[] {
  const total = options.words ?? DEFAULT_CODE_WORDS;
  if (!Number.isInteger(total) || total < 1 || total > MAX_CODE_WORDS) {
    throw new CodeFormatError(`word count must be an integer in [1, ${MAX_CODE_WORDS}]`);
  }
  if (typeof text !== "string" || text.length > MAX_CODE_TEXT) return [];
  const normal = text.normalize("NFC").toLowerCase();
  const parts = normal.split(SEPARATORS);
  if (parts[0] === "") parts.shift(); // leading separators
  const [first, ...rest] = parts;
  if (first === undefined || !TYPED_NAMEPLATE.test(first) || !isNameplate(String(Number(first)))) return [];
  const nameplate = String(Number(first));
  if (rest.length === 0) return [`${nameplate}-`];
  // The last part is the word being typed ("" right after a separator); the others are done.
  const typing = rest.pop()!;
  const done = rest;
  if (done.length >= total || done.some((w, i) => byteOf(w, i) === undefined)) return [];
  const position = done.length;
  const stem = [nameplate, ...done].join("-") + "-";
  const tail = position + 1 < total ? "-" : "";
  return listFor(position).filter((w) => w.startsWith(typing)).map((w) => stem + w + tail);
}

/** The three closest words of `list` by edit distance (ties in list order). */
export function suggest(word: string, list: readonly string[], count = 3): string[] {
  return list
    .map((w, i) => ({ w, i, d: editDistance(word, w) }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .slice(0, count)
    .map((x) => x.w);
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] as number;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min(up + 1, (prev[j - 1] as number) + 1, diag + cost);
      diag = up;
    }
  }
  return prev[b.length] as number;
}
