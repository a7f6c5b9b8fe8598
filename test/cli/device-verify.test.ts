/**
 * `lethe device` and the verification words: both devices print `verify: w1 w2 w3 w4` once
 * paired; with `--verify` (strict) nothing syncs until the person said yes on both — asked on a
 * terminal (driven here through a real pseudo-terminal) or read as the next line of piped stdin,
 * after the code when the code came that way too (one reader, so a code and an answer piped in one
 * write both arrive). A no ends both sessions with the wipe and exit 3.
 */
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { readCode } from "../../src/cli/code-prompt.js";
import { pipedLines } from "../../src/cli/line-input.js";
import { askWordsMatch, VERIFY_QUESTION } from "../../src/cli/verify-prompt.js";
import { lethe, loopbackRelay, type LetheRun } from "./helpers.js";

const relay = loopbackRelay();

const WORDS = /^verify: ([a-z]+(?: [a-z]+){3})\r?$/;
const words = async (run: LetheRun) => WORDS.exec(await run.line(WORDS))![1]!;
const device = (...args: string[]) => ["device", ...args, "--relay", relay.url, "--interface", "127.0.0.1"];

/** Poll output a child process produces in real time (as test/cli/device-join.test.ts does). */
async function until(ok: () => boolean, ms = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error("timed out waiting for the terminal");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A joiner in a pseudo-terminal that types the code at the prompt. */
async function ttyJoiner(code: string, ...args: string[]): Promise<LetheRun> {
  const joiner = lethe(device("--join", ...args), { tty: true });
  await until(() => joiner.stdout().includes("code (Tab completes words): "));
  joiner.write(`${code}\r`);
  return joiner;
}

describe("lethe device: the words", () => {
  it("--verify: the same words on both; the terminal asks, stdin answers; sync only after both said yes", async () => {
    const host = lethe(device("--host", "--verify", "--edits", "test/cli/fixtures/host-edits.json"), { keepStdin: true });
    const code = (await host.line(/^code: /)).slice(6);
    const joiner = await ttyJoiner(code, "--verify", "--edits", "test/cli/fixtures/join-edits.json");
    const [onHost, onJoiner] = await Promise.all([words(host), words(joiner)]);
    expect(onJoiner).toBe(onHost);
    await until(() => joiner.stdout().includes(VERIFY_QUESTION));
    joiner.write("maybe\r"); // not an answer: asked again
    await until(() => joiner.stdout().split(VERIFY_QUESTION).length === 3);
    joiner.write("y\r");
    await joiner.line(/^verify: confirmed/);
    // One yes is not enough: nothing has synced, no doc-hash yet on either side.
    expect(host.stdout()).not.toMatch(/verified|doc-hash/);
    expect(joiner.stdout()).not.toMatch(/verified|doc-hash/);
    host.child.stdin!.end("yes\n"); // the host's person compared too
    const [h, j] = await Promise.all([host.exited, joiner.exited]);
    expect([h.code, j.code], JSON.stringify({ h, j })).toEqual([0, 0]);
    for (const r of [h, j]) expect(r.stdout).toContain("verified: both devices confirmed the words");
    const hash = (s: string) => /doc-hash: ([0-9a-f]{64})/.exec(s)?.[1];
    expect(hash(j.stdout)).toBe(hash(h.stdout));
  }, 60_000);

  it("--verify: a no on one device ends both, wiped, exit 3 (verificationRejected here, peerEnded there)", async () => {
    const host = lethe(device("--host", "--verify"), { keepStdin: true });
    const code = (await host.line(/^code: /)).slice(6);
    const joiner = await ttyJoiner(code, "--verify");
    await Promise.all([words(host), words(joiner)]);
    await until(() => joiner.stdout().includes(VERIFY_QUESTION));
    host.child.stdin!.end("no\n");
    const [h, j] = await Promise.all([host.exited, joiner.exited]);
    expect([h.code, j.code], JSON.stringify({ h, j })).toEqual([3, 3]);
    expect(h.stdout).toContain("verify: rejected");
    expect(h.stdout).toContain("ended: verificationRejected");
    expect(j.stdout).toContain("ended: peerEnded");
    for (const r of [h, j]) {
      expect(r.stdout).toMatch(/wiped: [1-9]\d* key buffers zeroed, doc destroyed/);
      expect(r.stdout).not.toContain("doc-hash");
    }
  }, 60_000);

  it("the code and the answer piped in one write both arrive (one reader for stdin); without --verify the words are shown, nothing asked", async () => {
    const host = lethe(device("--host", "--verify"), { keepStdin: true });
    const code = (await host.line(/^code: /)).slice(6);
    const joiner = lethe(device("--join", "--verify"), { keepStdin: true });
    joiner.child.stdin!.end(`${code}\nyes\n`);
    expect(await words(joiner)).toBe(await words(host));
    host.child.stdin!.end("y\n");
    const [h, j] = await Promise.all([host.exited, joiner.exited]);
    expect([h.code, j.code], JSON.stringify({ h, j })).toEqual([0, 0]);
    expect(j.stderr).not.toContain(VERIFY_QUESTION); // a pipe gets no prompt

    // Plain mode: the words are printed, no question; the host's stdin is closed and unread.
    const plain = lethe(device("--host"));
    const plainCode = (await plain.line(/^code: /)).slice(6);
    const plainJoiner = lethe(device("--join", plainCode));
    expect(await words(plainJoiner)).toBe(await words(plain));
    const [ph, pj] = await Promise.all([plain.exited, plainJoiner.exited]);
    expect([ph.code, pj.code]).toEqual([0, 0]);
    expect(ph.stdout + ph.stderr + pj.stdout + pj.stderr).not.toMatch(/Do the words match|verify: confirmed|verified/);
  }, 60_000);

  it("--verify with no answer (stdin ends) is a no", async () => {
    const host = lethe(device("--host", "--verify")); // stdin closed at once
    const code = (await host.line(/^code: /)).slice(6);
    const joiner = lethe(device("--join", code));
    const [h, j] = await Promise.all([host.exited, joiner.exited]);
    expect([h.code, j.code]).toEqual([3, 3]);
    expect(h.stdout).toContain("ended: verificationRejected");
    expect(j.stdout).toContain("ended: peerEnded");
  }, 60_000);
});

describe("lethe device: reading piped stdin in turn", () => {
  const piped = (text: string) => {
    const input = new PassThrough();
    input.end(text);
    return input;
  };

  it("one reader hands out the lines in order, then null", async () => {
    const lines = pipedLines(piped("a\nb\n"));
    expect([await lines.next(), await lines.next(), await lines.next()]).toEqual(["a", "b", null]);
  });

  it("the code, then the answer, from one chunk", async () => {
    const input = piped("7 crossover clockwork\nyes\n");
    const lines = pipedLines(input);
    const code = await readCode({ input, output: new PassThrough(), lines });
    const { answer } = askWordsMatch({ input, output: new PassThrough(), lines: () => lines });
    expect(code).toBe("7 crossover clockwork");
    expect(await answer).toBe(true);
  });

  it("yes or y confirms; any other line, or the end, is a no", async () => {
    const ask = (text: string) => {
      const input = piped(text);
      const lines = pipedLines(input);
      return askWordsMatch({ input, output: new PassThrough(), lines: () => lines }).answer;
    };
    expect(await Promise.all(["yes\n", "Y\n", " y \n", "no\n", "yep\n", "\n", ""].map(ask))).toEqual([true, true, true, false, false, false, false]);
  });
});
