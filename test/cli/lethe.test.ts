/**
 * The `lethe` command's one convention (src/cli/exit-codes.ts, docs/api.md "Command line"), checked on the real
 * binary: every subcommand answers --help with exit 0, `--version` prints the package version,
 * bad input exits 2 whatever the subcommand, a port that cannot be taken exits 4.
 */
import { createServer } from "node:net";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EXIT, exitCodeFor } from "../../src/cli/exit-codes.js";
import { MissingDependencyError } from "../../src/optional-dependency.js";
import { CodeFormatError, WrongCodeError } from "../../src/adapters/crypto/errors.js";
import { NameplateNotFoundError, SignalingClosedError } from "../../src/adapters/signaling/types.js";
import { RelayCliError } from "../../src/relay/cli.js";
import { lethe } from "./helpers.js";

const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

describe("lethe: one exit-code convention for every subcommand", { timeout: 60_000 }, () => {
  it("--version, --help and every subcommand's --help exit 0", async () => {
    const runs = await Promise.all([["--version"], ["--help"], ["relay", "--help"], ["device", "--help"], ["demo", "--help"]].map((a) => lethe(a).exited));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    expect(runs[0]!.stdout).toBe(`lethe ${version}\n`);
    expect(runs[1]!.stdout).toContain("exit codes: 0 done");
    expect(runs[2]!.stdout).toContain("usage: lethe relay");
    expect(runs[3]!.stdout).toContain("usage: lethe device");
    expect(runs[4]!.stdout).toContain("usage: lethe demo");
  });

  it("bad input exits 2 for every subcommand", async () => {
    const runs = await Promise.all([["frobnicate"], ["relay", "--frobnicate"], ["relay", "--port", "http"], ["device", "--frobnicate"], ["device", "--host", "--join"], [] as string[]].map((a) => lethe(a).exited));
    for (const r of runs) expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(runs[1]!.stderr).toContain("RelayCliError");
    expect(runs[3]!.stderr).toContain("DeviceUsageError");
  });

  it("a relay whose port is taken exits 4", async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const { port } = s.address() as { port: number };
    try {
      const r = await lethe(["relay", "--port", String(port), "--host", "127.0.0.1", "--quiet"]).exited;
      expect(r.code).toBe(4);
      expect(r.stderr).toContain("EADDRINUSE");
    } finally {
      await new Promise<void>((r) => s.close(() => r()));
    }
  });

  it("errors map to the table by class", () => {
    expect(exitCodeFor(new CodeFormatError("x"))).toBe(EXIT.usage);
    expect(exitCodeFor(new RelayCliError("x"))).toBe(EXIT.usage);
    expect(exitCodeFor(new NameplateNotFoundError("x"))).toBe(EXIT.session);
    expect(exitCodeFor(new WrongCodeError("x"))).toBe(EXIT.session);
    expect(exitCodeFor(new SignalingClosedError("x"))).toBe(EXIT.unavailable);
    expect(exitCodeFor(new MissingDependencyError("werift"))).toBe(EXIT.unavailable);
    // The copy inside the relay bundle (dist/cli/relay.mjs) is another class of the same name.
    class MissingDependencyError2 extends Error {
      override readonly name = "MissingDependencyError";
    }
    expect(exitCodeFor(new MissingDependencyError2("ioredis"))).toBe(EXIT.unavailable);
    expect(exitCodeFor(Object.assign(new Error("listen EADDRINUSE"), { code: "EADDRINUSE" }))).toBe(EXIT.unavailable);
    expect(exitCodeFor(new TypeError("bug"))).toBe(EXIT.internal);
    expect(exitCodeFor("thrown string")).toBe(EXIT.internal);
  });
});
