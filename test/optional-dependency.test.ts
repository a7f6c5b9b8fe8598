/**
 * Optional peer dependencies (src/optional-dependency.ts, src/require-optional.ts): a package that
 * is not installed becomes a MissingDependencyError naming it and its install command; one that
 * is installed loads (once); a failure other than "not found" is passed on as it is.
 */
import { describe, expect, it } from "vitest";
import { importOptional, MissingDependencyError } from "../src/optional-dependency.js";
import { requireOptional } from "../src/require-optional.js";
import { MissingDependencyError as Exported } from "../src/runtime/index.js";

const NOT_INSTALLED = "lethe-test-no-such-package";

describe("optional dependencies", () => {
  it("import: a package that is not installed is a MissingDependencyError naming it and the install command", async () => {
    const e = await importOptional(NOT_INSTALLED).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(MissingDependencyError);
    expect(e).toBeInstanceOf(Exported);
    expect(e).toMatchObject({ name: "MissingDependencyError", packageName: NOT_INSTALLED });
    expect((e as Error).message).toContain(`npm install ${NOT_INSTALLED}`);
  });

  it("require: the same error, synchronously", () => {
    expect(() => requireOptional(NOT_INSTALLED)).toThrow(MissingDependencyError);
    expect(() => requireOptional(NOT_INSTALLED)).toThrow(`npm install ${NOT_INSTALLED}`);
  });

  it("an installed package loads, once", async () => {
    const a = await importOptional("ws", () => import("ws"));
    const b = await importOptional("ws", () => import("ws"));
    expect(typeof a.WebSocket).toBe("function");
    expect(b).toBe(a);
    expect(typeof requireOptional<typeof import("ioredis")>("ioredis").Redis).toBe("function");
  });

  it("a package that is there but fails to load is not reported as missing", async () => {
    const broken = new Error("boom while evaluating");
    await expect(importOptional("lethe-test-broken", () => Promise.reject(broken))).rejects.toBe(broken);
    // A missing module *inside* a package is that package's problem, not a missing peer.
    const inner = Object.assign(new Error("Cannot find package 'left-pad' imported from /x/werift/index.js"), { code: "ERR_MODULE_NOT_FOUND" });
    await expect(importOptional("lethe-test-inner", () => Promise.reject(inner))).rejects.toBe(inner);
  });
});
