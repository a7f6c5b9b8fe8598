/**
 * The values a binding moves between a store and the shared document: plain data only, copied
 * on the way (the store and the document never share an object, so an in-place mutation on
 * one side cannot change the other behind the binding's back), and compared structurally.
 *
 * Plain = null, undefined, booleans, numbers, strings, Uint8Array, arrays and objects whose
 * prototype is Object.prototype or null, nested. Yjs stores these as they are (lib0's `writeAny`)
 * and gives them back equal. Everything else (functions, symbols, bigints, Dates, Maps, class
 * instances, cycles) is a BindValueError naming the key and the path inside it.
 */
import { BindValueError } from "./errors.js";

/** Deeper than this is surely a mistake (and would overflow the encoder's recursion). */
const MAX_DEPTH = 64;

function kindOf(v: unknown): string {
  if (typeof v === "function") return "a function";
  if (typeof v === "symbol") return "a symbol";
  if (typeof v === "bigint") return "a bigint";
  if (typeof v === "object" && v !== null) {
    const name = (Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null)?.constructor?.name;
    return name ? `a ${name}` : "an object with a custom prototype";
  }
  return typeof v;
}

/** A deep copy of `value` if it is plain; else BindValueError(key, path). */
export function plainCopy(key: string, value: unknown): unknown {
  const seen = new Set<object>();
  const copy = (v: unknown, path: string, depth: number): unknown => {
    if (v === null || v === undefined || typeof v === "boolean" || typeof v === "string") return v;
    if (typeof v === "number") return Object.is(v, -0) ? 0 : v; // Yjs writes -0 as 0
    if (typeof v !== "object") throw new BindValueError(key, path, kindOf(v));
    if (depth > MAX_DEPTH) throw new BindValueError(key, path, `nested deeper than ${MAX_DEPTH} levels`);
    if (seen.has(v)) throw new BindValueError(key, path, "a reference back to itself (a cycle)");
    if (v instanceof Uint8Array && v.constructor === Uint8Array) return v.slice();
    seen.add(v);
    try {
      if (Array.isArray(v)) return v.map((x, i) => copy(x, `${path}[${i}]`, depth + 1));
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) throw new BindValueError(key, path, kindOf(v));
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v)) out[k] = copy((v as Record<string, unknown>)[k], `${path}.${k}`, depth + 1);
      return out;
    } finally {
      seen.delete(v);
    }
  };
  return copy(value, key, 0);
}

/** Structural equality of plain values (NaN equals NaN; -0 equals 0, as the document stores it). */
export function plainEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === "number" && typeof b === "number") return Number.isNaN(a) && Number.isNaN(b);
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => plainEqual(x, bb[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra);
  if (ka.length !== Object.keys(rb).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(rb, k) && plainEqual(ra[k], rb[k]));
}
