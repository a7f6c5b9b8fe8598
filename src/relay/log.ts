/**
 * Structured relay logs: one JSON object per event, holding counts and connection metadata
 * (connection number, remote address, close code) only. There is deliberately no field that
 * could carry a payload, a nameplate or a mailbox id. `log: false` turns logging off.
 * One line per connection (`conn.close`, with its address, counts and duration), not two.
 * The default sink is pino writing to stderr asynchronously (its sonic-boom destination): a log
 * line never blocks the event loop; lines are gathered for at most a quarter of a second (or
 * 64 KiB) and handed over as one string, so a busy relay makes a few writes a second instead of
 * one per line (each async write is a trip through libuv's thread pool, and sonic-boom
 * re-measures its pending buffer on every write); and if stderr stops draining, lines beyond a
 * bounded buffer are dropped rather than held in memory. The `conn.close` line, the one every
 * connection costs, is formatted here (pino's bytes exactly, `connCloseLine`) rather than by
 * pino's walk over the event's keys; every other event goes through pino.
 */
import { pino } from "pino";
import { jsonNumber } from "./frames.js";

export type RelayLogEvent =
  | { ev: "listening"; host: string; port: number; store: string }
  | { ev: "conn.close"; conn: number; ip: string; code: number; framesIn: number; framesOut: number; bytesIn: number; bytesOut: number; ms: number }
  | { ev: "conn.refused"; ip: string; reason: string }
  | { ev: "limit"; conn: number; limit: string }
  | { ev: "bad_frame"; conn: number; bytes: number }
  | { ev: "store.error"; conn: number; op: string; error: string }
  | { ev: "shutdown"; connections: number };

export type RelayLogger = (event: RelayLogEvent & { ts: number }) => void;

/** How the default sink's pino logger is made (no pid/hostname, no time: events carry `ts`). */
export const PINO_OPTIONS = { base: null, timestamp: false } as const;

type ConnCloseEvent = Extract<RelayLogEvent, { ev: "conn.close" }> & { ts: number };

const num = jsonNumber;

/**
 * The `conn.close` line — the one line every connection costs — exactly as pino writes it
 * (info level, the fields in the order the server sets them), built without pino's walk over
 * the object's keys (test/relay/frames.test.ts compares it with pino's own line).
 */
export function connCloseLine(e: ConnCloseEvent): string {
  return (
    `{"level":30,"ev":"conn.close","conn":${num(e.conn)},"ip":${JSON.stringify(e.ip)},"code":${num(e.code)},"framesIn":${num(e.framesIn)},` +
    `"framesOut":${num(e.framesOut)},"bytesIn":${num(e.bytesIn)},"bytesOut":${num(e.bytesOut)},"ms":${num(e.ms)},"ts":${num(e.ts)}}\n`
  );
}

/** Lines are handed to the writer after this long, or once this many characters wait. */
const BATCH_MS = 250;
const BATCH_BYTES = 64 * 1024;

/** Bytes of log lines waiting for stderr before new lines are dropped. */
const MAX_BUFFERED_LOG_BYTES = 4 * 1024 * 1024;

export interface AsyncLogger {
  readonly log: RelayLogger;
  /** Write out what is buffered (at shutdown). */
  flush(): void;
}

/**
 * Lines gathered for `sink`: handed over as one string once `maxBytes` would be exceeded or
 * `maxMs` after the first, or on `handOver()`. They are copied into one buffer as they come and
 * become one flat string at the hand-over: a string built by `+=` is a rope of every line, which
 * lives (and is copied by the young collector) until the hand-over flattens it.
 */
export function lineGatherer(sink: (lines: string) => void, maxBytes: number, maxMs: number): { write(line: string): void; handOver(): void } {
  const pending = Buffer.allocUnsafe(maxBytes);
  let length = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const handOver = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (length === 0) return;
    const lines = pending.toString("utf8", 0, length);
    length = 0;
    sink(lines);
  };
  return {
    handOver,
    write(line: string) {
      // UTF-8 takes at most 3 bytes per UTF-16 unit: the line surely fits when this says so.
      if (length + line.length * 3 > maxBytes) {
        handOver();
        if (line.length * 3 > maxBytes) return sink(line);
      }
      length += pending.write(line, length);
      if (timer === undefined) {
        // Wall time on purpose, not the relay's clock: it only paces writes to stderr and decides
        // nothing about the relay's state; a test's clock that nobody advances must not hold lines back.
        timer = setTimeout(handOver, maxMs);
        timer.unref();
      }
    },
  };
}

/** JSON lines on stderr through pino, asynchronously (stdout carries only the `listening on` line). */
export function stderrJsonLogger(): AsyncLogger {
  const destination = pino.destination({ dest: 2, sync: false, maxLength: MAX_BUFFERED_LOG_BYTES });
  destination.on("error", () => {}); // a closed stderr must not take the relay down
  const gather = lineGatherer((lines) => destination.write(lines), BATCH_BYTES, BATCH_MS);
  const logger = pino(PINO_OPTIONS, gather);
  return {
    log: (event) => {
      if (event.ev === "conn.close") gather.write(connCloseLine(event));
      else if (event.ev === "store.error") logger.warn(event);
      else logger.info(event);
    },
    flush: () => {
      gather.handOver();
      try {
        destination.flushSync();
      } catch {
        // stderr is gone or busy; the lines are lost, the relay is not.
      }
    },
  };
}
