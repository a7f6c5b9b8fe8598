/**
 * `lethe device --join` as a new user meets it: the code never needs to sit in argv (a prompt
 * with Tab completion on a terminal, driven here through a real pseudo-terminal; or the first
 * line of stdin), `--join CODE` still works with a warning, and every way a join can go wrong
 * exits at once with the documented code: a typo or a bad format 2 (before any socket), an
 * unknown nameplate 3, an unreachable relay 4.
 */
import { createServer } from "node:net";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { completeCode } from "../../src/adapters/crypto/code.js";
import { codeCompleter } from "../../src/cli/code-prompt.js";
import { ARGV_CODE_WARNING, runDevice } from "../../src/cli/device.js";
import { lethe, loopbackRelay } from "./helpers.js";

const relay = loopbackRelay();

const capture = (stdin?: string) => {
  const out: string[] = [];
  const err: string[] = [];
  const input = new PassThrough();
  if (stdin !== undefined) input.end(stdin);
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), input, prompt: new PassThrough() }, out, err };
};

/** A port nothing listens on (bound, read, closed). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe("lethe device --join: failures exit at once with the documented code", () => {
  it("a typo exits 2 with the suggestion, before any socket opens (the relay URL is never dialled)", async () => {
    const c = capture();
    const t0 = performance.now();
    expect(await runDevice(["--join", "7-crossover-clockwrok", "--relay", "ws://127.0.0.1:9"], c.io)).toBe(2);
    expect(c.err.join("\n")).toContain('UnknownWordError: unknown word "clockwrok" at position 2; did you mean "clockwork"');
    expect(c.out).toEqual([]);
    console.log(`timing: typo -> exit ${(performance.now() - t0).toFixed(0)} ms`);
  });

  it("swapped words and a bad format exit 2 and say what is wrong", async () => {
    const swapped = capture();
    expect(await runDevice(["--join", "7-clockwork-crossover", "--relay", "ws://127.0.0.1:9"], swapped.io)).toBe(2);
    expect(swapped.err.join("\n")).toContain("SwappedWordsError: words 1 and 2 are swapped");
    const bad = capture();
    expect(await runDevice(["--join", "crossover-clockwork", "--relay", "ws://127.0.0.1:9"], bad.io)).toBe(2);
    expect(bad.err.join("\n")).toContain("CodeFormatError: nameplate must be a decimal number of 1-9 digits");
  });

  it("an unknown nameplate exits 3 as soon as the relay says so", async () => {
    const c = capture();
    expect(await runDevice(["--join", "4242-crossover-clockwork", "--relay", relay.url, "--interface", "127.0.0.1"], c.io)).toBe(3);
    expect(c.err.join("\n")).toContain("NameplateNotFoundError");
    expect(c.out).toContain("ended: user");
  });

  it("an unreachable relay exits 4", async () => {
    const c = capture();
    const port = await closedPort();
    expect(await runDevice(["--join", "7-crossover-clockwork", "--relay", `ws://127.0.0.1:${port}`, "--interface", "127.0.0.1"], c.io)).toBe(4);
    expect(c.err.join("\n")).toContain("SignalingClosedError");
  });

  it("and so does the host when its relay is unreachable; the process exits too", async () => {
    const port = await closedPort();
    const r = await lethe(["device", "--host", "--relay", `ws://127.0.0.1:${port}`, "--interface", "127.0.0.1"], { killAfterMs: 20_000 }).exited;
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("SignalingClosedError");
  });
});

describe("lethe device --join: the code stays out of argv", () => {
  it("with no code and stdin not a terminal, reads the first line of stdin; empty stdin exits 2", async () => {
    const typo = capture("7 crossover clockwrok\n");
    expect(await runDevice(["--join", "--relay", "ws://127.0.0.1:9"], typo.io)).toBe(2);
    expect(typo.err.join("\n")).toContain("UnknownWordError");
    expect(typo.err.join("\n")).not.toContain("warning");
    const empty = capture("");
    expect(await runDevice(["--join", "--relay", "ws://127.0.0.1:9"], empty.io)).toBe(2);
    expect(empty.err.join("\n")).toContain("CodeInputError: no code on stdin");
  });

  it("a code piped on stdin pairs (no warning); a code in argv pairs too, with the warning", async () => {
    for (const viaArgv of [false, true]) {
      const host = lethe(["device", "--host", "--relay", relay.url, "--interface", "127.0.0.1"]);
      const code = (await host.line(/^code: /)).slice(6);
      const joiner = lethe(["device", "--join", ...(viaArgv ? [code] : []), "--relay", relay.url, "--interface", "127.0.0.1"], { keepStdin: true });
      if (!viaArgv) joiner.child.stdin!.end(`${code}\n`);
      const [h, j] = await Promise.all([host.exited, joiner.exited]);
      expect([h.code, j.code], JSON.stringify({ h, j })).toEqual([0, 0]);
      expect(j.stderr.includes(ARGV_CODE_WARNING)).toBe(viaArgv);
    }
  }, 60_000);

  it("on a terminal: a prompt with Tab completion of the words (through a real pseudo-terminal), then pairs", async () => {
    const host = lethe(["device", "--host", "--relay", relay.url, "--interface", "127.0.0.1"]);
    const code = (await host.line(/^code: /)).slice(6);
    const [nameplate, w1, w2] = code.split("-") as [string, string, string];
    // The shortest prefix of each word that completes to it alone.
    const prefix = (done: string, word: string) => {
      for (let n = 1; n <= word.length; n++) if (completeCode(`${done}${word.slice(0, n)}`).length === 1) return word.slice(0, n);
      return word;
    };
    const p1 = prefix(`${nameplate} `, w1);
    const p2 = prefix(`${nameplate}-${w1}-`, w2);
    const joiner = lethe(["device", "--join", "--relay", relay.url, "--interface", "127.0.0.1"], { tty: true });
    await until(() => joiner.stdout().includes("code (Tab completes words): "));
    // The person types the nameplate, a space, a few letters, Tab (completes word 1 and its dash),
    // then a few letters of word 2 and Tab again, and Enter.
    joiner.write(`${nameplate} ${p1}\t`);
    await until(() => joiner.stdout().includes(`${w1}-`));
    joiner.write(`${p2}\t`);
    await until(() => joiner.stdout().includes(`${nameplate} ${w1}-${w2}`));
    joiner.write("\r");
    const [h, j] = await Promise.all([host.exited, joiner.exited]);
    expect([h.code, j.code], JSON.stringify({ h, j })).toEqual([0, 0]);
    expect(j.stdout).toMatch(/doc-hash: [0-9a-f]{64}/);
    expect(j.stdout).not.toContain("warning");
  }, 60_000);

  it("Tab on an ambiguous prefix lists only the candidate words", () => {
    const [hits, partial] = codeCompleter()("7 am") as [string[], string];
    expect(partial).toBe("am");
    expect(hits).toEqual(["amulet-", "amusement-"]);
    expect(codeCompleter()("7")).toEqual([["7-"], "7"]);
    expect(codeCompleter()("7-crossover-clockw")).toEqual([["clockwork"], "clockw"]);
  });
});

/** Poll a condition on output that a child process produces (real time: the child runs in real time). */
async function until(ok: () => boolean, ms = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error("timed out waiting for the terminal");
    await new Promise((r) => setTimeout(r, 20));
  }
}
