/**
 * What `lethe device` applies and what it reports: the scripted edits file (a JSON array of
 * {map, key, value} with scalar values, checked by Schema; EditsFileError says what is wrong) and
 * the doc hash both devices compare to know they converged (sha256 of the doc's canonical JSON).
 */
import { createHash } from "node:crypto";
import * as Result from "effect/Result";
import * as Schema from "effect/Schema";
import * as Y from "yjs";
import { LetheError } from "../errors.js";

export class EditsFileError extends LetheError {
  override readonly name = "EditsFileError";
}

/** One scripted edit; values are JSON scalars (what a preference holds). */
const Edit = Schema.Struct({
  map: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(64)),
  key: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(256)),
  value: Schema.Union([Schema.String.check(Schema.isMaxLength(4096)), Schema.Finite, Schema.Boolean, Schema.Null]),
});
const Edits = Schema.Array(Edit).check(Schema.isMaxLength(10_000));
export type DeviceEdit = typeof Edit.Type;
const decodeEdits = Schema.decodeUnknownResult(Edits);

/** Parse and check an edits file's text; EditsFileError names what is wrong. */
export function parseEdits(text: string): readonly DeviceEdit[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new EditsFileError(`edits file is not JSON: ${(e as Error).message}`);
  }
  const r = decodeEdits(raw);
  if (Result.isFailure(r)) throw new EditsFileError(`edits file rejected: ${r.failure.message}`);
  return r.success;
}

/** Canonical JSON: object keys sorted at every level, so equal docs give equal bytes. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const r = v as Record<string, unknown>;
    return `{${Object.keys(r).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(r[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** sha256 (hex) of the doc's canonical JSON. Top-level types are maps (edits only make maps). */
export function docHash(doc: Y.Doc): string {
  const json: Record<string, unknown> = {};
  for (const [name, type] of doc.share) {
    // A root type created by a remote update is a bare AbstractType until asked for as a map.
    json[name] = type instanceof Y.Map || type.constructor === Y.AbstractType ? doc.getMap(name).toJSON() : type.toJSON();
  }
  return createHash("sha256").update(canonicalJson(json)).digest("hex");
}
