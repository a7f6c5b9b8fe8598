/**
 * A tiny stand-in for `vitest` inside a Chromium page, so the adapter-neutral Transport
 * compliance suite (src/testing/compliance/transport.ts) runs there unchanged: esbuild aliases
 * `vitest` to this file when it bundles test/adapters/transport/browser/page/compliance-page.ts.
 *
 * describe/it only record tests; the Node side lists them and runs each by name
 * (test/adapters/transport/browser/netns/compliance.netns.ts). `expect` implements exactly the matchers the suite
 * uses, strictly: an unknown matcher is a TypeError, a mismatch throws with both values.
 */
type Fn = () => unknown;
export const registered = new Map<string, Fn>();
const prefix: string[] = [];

export function describe(name: string, fn: () => void): void {
  prefix.push(name);
  try {
    fn();
  } finally {
    prefix.pop();
  }
}

export function it(name: string, fn: Fn): void {
  const full = [...prefix, name].join(" > ");
  if (registered.has(full)) throw new Error(`duplicate test ${full}`);
  registered.set(full, fn);
}
export const test = it;

const MATCHER = Symbol("asymmetric");
interface Asymmetric {
  readonly [MATCHER]: (v: unknown) => boolean;
  readonly describe: string;
}
const isAsym = (x: unknown): x is Asymmetric => typeof x === "object" && x !== null && MATCHER in x;

function show(v: unknown): string {
  if (v instanceof Uint8Array) return `Uint8Array(${v.byteLength})[${Array.from(v.subarray(0, 16)).join(",")}${v.byteLength > 16 ? ",…" : ""}]`;
  if (isAsym(v)) return v.describe;
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (isAsym(b)) return b[MATCHER](a);
  if (Object.is(a, b)) return true;
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.byteLength === b.byteLength && a.every((x, i) => x === b[i]);
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (typeof a === "object" && typeof b === "object" && a !== null && b !== null && !Array.isArray(a) && !Array.isArray(b)) {
    if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return deepEqual(ka, kb) && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

function matchObject(actual: unknown, expected: Record<string, unknown>): boolean {
  if (typeof actual !== "object" || actual === null) return false;
  return Object.entries(expected).every(([k, v]) => deepEqual((actual as Record<string, unknown>)[k], v));
}

function fail(what: string, actual: unknown, expected?: unknown, label?: string): never {
  throw new Error(`${label ? label + ": " : ""}expected ${show(actual)} ${what}${expected === undefined ? "" : " " + show(expected)}`);
}

function matchers(actual: unknown, label?: string) {
  const check = (ok: boolean, what: string, expected?: unknown) => {
    if (!ok) fail(what, actual, expected, label);
  };
  return {
    toBe: (e: unknown) => check(Object.is(actual, e), "to be", e),
    toEqual: (e: unknown) => check(deepEqual(actual, e), "to equal", e),
    toBeGreaterThan: (e: number) => check(typeof actual === "number" && actual > e, "to be greater than", e),
    toBeGreaterThanOrEqual: (e: number) => check(typeof actual === "number" && actual >= e, "to be >=", e),
    toBeLessThanOrEqual: (e: number) => check(typeof actual === "number" && actual <= e, "to be <=", e),
    toBeLessThan: (e: number) => check(typeof actual === "number" && actual < e, "to be less than", e),
    toContain: (e: unknown) =>
      check((Array.isArray(actual) || typeof actual === "string") && (actual as unknown[]).includes(e as never), "to contain", e),
    toMatchObject: (e: Record<string, unknown>) => check(matchObject(actual, e), "to match", e),
    toThrow: (e?: unknown) => {
      if (typeof actual !== "function") throw new TypeError("toThrow needs a function");
      let thrown: unknown;
      let threw = false;
      try {
        actual();
      } catch (x) {
        threw = true;
        thrown = x;
      }
      if (!threw) fail("to throw", "the function", e, label);
      if (e !== undefined && !deepEqual(thrown, e)) fail("to throw", thrown, e, label);
    },
  };
}

export function expect(actual: unknown, label?: string) {
  return {
    ...matchers(actual, label),
    rejects: {
      toMatchObject: async (e: Record<string, unknown>) => {
        let error: unknown;
        try {
          await actual;
        } catch (x) {
          error = x;
          if (!matchObject(x, e)) fail("to reject matching", x, e, label);
          return;
        }
        fail("to reject matching", error ?? "a resolved promise", e, label);
      },
    },
  };
}

expect.objectContaining = (e: Record<string, unknown>): Asymmetric => ({
  [MATCHER]: (v: unknown) => matchObject(v, e),
  describe: `objectContaining(${show(e)})`,
});
