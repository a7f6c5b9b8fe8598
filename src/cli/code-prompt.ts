/**
 * Reading a pairing code without putting it in argv (other local users can read a process's
 * arguments through `ps` and /proc/PID/cmdline): on a terminal a prompt with tab completion of
 * the code words (node:readline's completer over `completeCode`, as magic-wormhole does it);
 * otherwise the first line of stdin (`echo 7-crossover-clockwork | lethe device --join`).
 */
import { createInterface, type Completer } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { completeCode, MAX_CODE_TEXT } from "../adapters/crypto/code.js";
import { LetheError } from "../errors.js";
import { pipedLines, type LineInput } from "./line-input.js";

/** No code came: stdin ended empty, or the person cancelled the prompt. */
export class CodeInputError extends LetheError {
  override readonly name = "CodeInputError";
}

export interface CodeInput {
  readonly input: Readable & { readonly isTTY?: boolean };
  /** Where the prompt and completion lists go (stderr: stdout stays machine-readable). */
  readonly output: Writable;
  /** Words in the code (default 2). */
  readonly words?: number;
}

/** Text a separator ends; the code's word being typed is what follows the last one. */
const PARTIAL = /[^\s\-_.,/\u2010-\u2015\u2212]*$/u;

/**
 * readline completer: completes the word being typed (or the nameplate's dash), listing only
 * the words, so the person's own separators stay as typed.
 */
export function codeCompleter(words?: number): Completer {
  return (line: string) => {
    const partial = PARTIAL.exec(line)![0];
    const hits = completeCode(line, words !== undefined ? { words } : {}).map((c) => {
      const more = c.endsWith("-");
      const body = more ? c.slice(0, -1) : c;
      return body.slice(body.lastIndexOf("-") + 1) + (more ? "-" : "");
    });
    return [hits, partial];
  };
}

/** The code text a person gave, checked for presence and length (parseCode checks the rest). */
function codeFrom(line: string): string {
  const code = line.trim();
  if (code.length === 0) throw new CodeInputError("no code given");
  if (code.length > MAX_CODE_TEXT) throw new CodeInputError(`code text longer than ${MAX_CODE_TEXT} characters`);
  return code;
}

/**
 * The code, from a prompt on a terminal, else from the first line of `lines` (the run's one
 * reader of piped stdin, so a later question still gets the line after the code) or of the input.
 */
export async function readCode(io: CodeInput & { readonly lines?: LineInput }): Promise<string> {
  if (io.input.isTTY !== true) {
    const lines = io.lines ?? pipedLines(io.input);
    try {
      const line = await lines.next();
      if (line === null) throw new CodeInputError("no code on stdin (pipe it in, or run on a terminal to type it)");
      return codeFrom(line);
    } finally {
      if (io.lines === undefined) lines.close();
    }
  }
  const rl = createInterface({ input: io.input, output: io.output, terminal: true, completer: codeCompleter(io.words), historySize: 0 });
  return new Promise<string>((resolve, reject) => {
    let done = false;
    const finish = (f: () => void) => {
      if (done) return;
      done = true;
      rl.close();
      f();
    };
    rl.once("line", (line) => {
      finish(() => {
        try {
          resolve(codeFrom(line));
        } catch (e) {
          reject(e);
        }
      });
    });
    rl.once("SIGINT", () => finish(() => reject(new CodeInputError("cancelled: no code given"))));
    rl.once("close", () => finish(() => reject(new CodeInputError("no code given"))));
    rl.setPrompt("code (Tab completes words): ");
    rl.prompt();
  });
}
