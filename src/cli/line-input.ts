/**
 * Lines piped into the CLI (stdin that is not a terminal), read in turn by one reader for the
 * whole run. `lethe device --join --verify` reads two things from such a stdin — the code, then
 * the answer to "do the words match?" — and a readline interface reads ahead: a second interface
 * opened after the first was closed would never see what the first had already buffered (a
 * `printf 'CODE\nyes\n' | …` arrives in one chunk). So one reader hands out the lines in order.
 */
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";

export interface LineInput {
  /** The next line (without its newline), or null once the input has ended (or was closed). */
  next(): Promise<string | null>;
  /** Stop reading; pending and later `next()` calls resolve null. Idempotent. */
  close(): void;
}

export function pipedLines(input: Readable): LineInput {
  const rl = createInterface({ input, terminal: false });
  const lines: string[] = [];
  const waiting: Array<(line: string | null) => void> = [];
  let ended = false;
  rl.on("line", (line) => {
    const w = waiting.shift();
    if (w !== undefined) w(line);
    else lines.push(line);
  });
  rl.once("close", () => {
    ended = true;
    for (const w of waiting.splice(0)) w(null);
  });
  return {
    next() {
      if (lines.length > 0) return Promise.resolve(lines.shift()!);
      if (ended) return Promise.resolve(null);
      return new Promise((resolve) => waiting.push(resolve));
    },
    close() {
      if (ended) return;
      lines.length = 0;
      rl.close();
    },
  };
}
