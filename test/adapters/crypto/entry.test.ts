/**
 * Entry points and the key store: the universal entry never reaches `node:*` (so a browser
 * build can leave node:crypto out), the node entry adds nodeAead, and KeyStore semantics.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as universal from "../../../src/adapters/crypto/index.js";
import * as node from "../../../src/adapters/crypto/node.js";
import { createKeyStore } from "../../../src/adapters/crypto/key-store.js";
import { LetheError } from "../../../src/errors.js";

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../src/adapters/crypto");

/** Every module specifier reachable from `file` through relative imports. */
function reachableImports(file: string, seen = new Set<string>()): Set<string> {
  const specs = new Set<string>();
  if (seen.has(file)) return specs;
  seen.add(file);
  const src = readFileSync(file, "utf8");
  for (const m of src.matchAll(/(?:import|export)\s[^;]*?from\s+"([^"]+)"/g)) {
    const spec = m[1] as string;
    if (spec.startsWith(".")) {
      const next = path.resolve(path.dirname(file), spec.replace(/\.js$/, ".ts"));
      for (const s of reachableImports(next, seen)) specs.add(s);
    } else specs.add(spec);
  }
  return specs;
}

describe("entry points", () => {
  it("lethe-sync/crypto (index.ts) never imports node:* or other Node-only modules", () => {
    const specs = [...reachableImports(path.join(dir, "index.ts"))];
    expect(specs.filter((s) => s.startsWith("node:") || s === "crypto")).toEqual([]);
    expect(specs.every((s) => s.startsWith("@noble/") || s.startsWith("../"))).toBe(true);
  });
  it("the universal entry exposes the runtime API and picks noble by default", () => {
    for (const f of ["startSymmetric", "startA", "startB", "generateCode", "parseCode", "createKeyStore", "createPairingHandshake", "createSecureChannel", "defaultAead"]) {
      expect(typeof (universal as Record<string, unknown>)[f], f).toBe("function");
    }
    expect(universal.defaultAead().name).toBe("noble-aes-256-gcm");
    expect(universal.FrameType.SYNC).toBe(1);
    expect(new universal.WrongCodeError("x").name).toBe("WrongCodeError");
  });
  it("lethe-sync/crypto/node adds nodeAead and makes it the default", () => {
    expect(node.nodeAead.name).toBe("node-aes-256-gcm");
    expect(node.defaultAead()).toBe(node.nodeAead);
    expect(node.startSymmetric).toBe(universal.startSymmetric);
  });
  it("error classes have stable names and extend LetheError", () => {
    const classes = Object.entries(universal).filter(([k, v]) => k.endsWith("Error") && typeof v === "function");
    expect(classes.length).toBeGreaterThanOrEqual(20);
    for (const [k, v] of classes) {
      const e = k === "UnknownWordError" ? new universal.UnknownWordError("w", 1, ["x"]) : new (v as new (m: string) => Error)("m");
      expect(e.name).toBe(k);
      expect(e).toBeInstanceOf(LetheError);
    }
  });
});

describe("KeyStore", () => {
  it("alloc/adopt/release/wipe", () => {
    const s = createKeyStore();
    const a = s.alloc("a", 32);
    a.fill(7);
    const source = Uint8Array.from([1, 2, 3]);
    const b = s.adopt("b", source);
    expect(b).not.toBe(source); // copied into the store's own buffer...
    expect(Array.from(b)).toEqual([1, 2, 3]);
    expect(Array.from(source)).toEqual([0, 0, 0]); // ...and the caller's array zeroed at once
    expect(b.byteOffset === 0 && b.buffer.byteLength === 3).toBe(true); // a whole buffer, never a view
    expect(s.secretBuffers()).toEqual([a, b]);
    expect(s.census()).toEqual({ a: 1, b: 1 });
    s.release(b);
    expect(Array.from(b)).toEqual([0, 0, 0]);
    expect(s.secretBuffers()).toEqual([a]);
    s.wipe();
    expect(a.every((x) => x === 0)).toBe(true);
    expect(s.wiped).toBe(true);
    const late = Uint8Array.from([9]);
    expect(() => s.adopt("late", late)).toThrow(expect.objectContaining({ name: "KeyStoreWipedError" }));
    expect(late[0]).toBe(0); // zeroed even when refused
    s.wipe(); // idempotent
  });

  it("derive writes in place and releases (zeroed) when the derivation throws", () => {
    const s = createKeyStore();
    const k = s.derive("k", 32, (out) => out.fill(5));
    expect(k.every((x) => x === 5)).toBe(true);
    let seen: Uint8Array | undefined;
    expect(() =>
      s.derive("bad", 32, (out) => {
        seen = out;
        out.fill(9);
        throw new RangeError("no");
      }),
    ).toThrow(RangeError);
    expect(seen!.every((x) => x === 0)).toBe(true);
    expect(s.census()).toEqual({ k: 1 });
  });
});
