/**
 * "Do the words match?" for `lethe device --verify` (strict verification, docs/api.md): the
 * person compares the four words both devices print and answers here. On a terminal a prompt
 * (stderr) that asks again until it gets yes or no; Ctrl-C or Ctrl-D there is a no. Otherwise the
 * next line of piped stdin (after the code, when the code came that way too): `yes` or `y`
 * confirms, any other line — or the input's end — is a no. A no never confirms by accident.
 */
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import type { LineInput } from "./line-input.js";

export const VERIFY_QUESTION = "Do the words match the other device? (yes/no): ";

export interface VerifyPrompt {
  /** true for yes, false for no (or no answer). */
  readonly answer: Promise<boolean>;
  /** Stop asking (the session ended meanwhile); `answer` resolves false. */
  cancel(): void;
}

const YES = /^(y|yes)$/i;
const NO = /^(n|no)$/i;

export function askWordsMatch(io: { readonly input: Readable & { readonly isTTY?: boolean }; readonly output: Writable; readonly lines: () => LineInput }): VerifyPrompt {
  if (io.input.isTTY !== true) {
    const lines = io.lines();
    let cancelled = false;
    const answer = lines.next().then((line) => !cancelled && line !== null && YES.test(line.trim()));
    return {
      answer,
      cancel: () => {
        cancelled = true;
        lines.close();
      },
    };
  }
  const rl = createInterface({ input: io.input, output: io.output, terminal: true, historySize: 0 });
  let settle!: (yes: boolean) => void;
  const answer = new Promise<boolean>((resolve) => {
    let done = false;
    settle = (yes) => {
      if (done) return;
      done = true;
      rl.close();
      resolve(yes);
    };
  });
  rl.on("line", (line) => {
    const a = line.trim();
    if (YES.test(a)) settle(true);
    else if (NO.test(a)) settle(false);
    else rl.prompt();
  });
  rl.once("SIGINT", () => settle(false));
  rl.once("close", () => settle(false));
  rl.setPrompt(VERIFY_QUESTION);
  rl.prompt();
  return { answer, cancel: () => settle(false) };
}
