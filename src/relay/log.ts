/**
 * Structured relay logs: one JSON object per event, holding counts and connection metadata
 * (connection number, remote address, close code) only. There is deliberately no field that
 * could carry a payload, a nameplate or a mailbox id. `log: false` turns logging off.
 */
export type RelayLogEvent =
  | { ev: "listening"; host: string; port: number; store: string }
  | { ev: "conn.open"; conn: number; ip: string }
  | { ev: "conn.close"; conn: number; ip: string; code: number; framesIn: number; framesOut: number; bytesIn: number; bytesOut: number; ms: number }
  | { ev: "conn.refused"; ip: string; reason: string }
  | { ev: "limit"; conn: number; limit: string }
  | { ev: "bad_frame"; conn: number; bytes: number }
  | { ev: "store.error"; conn: number; op: string; error: string }
  | { ev: "shutdown"; connections: number };

export type RelayLogger = (event: RelayLogEvent & { ts: number }) => void;

/** JSON lines to stderr (stdout carries only the `listening on` line). */
export const jsonLinesLogger: RelayLogger = (event) => {
  process.stderr.write(JSON.stringify(event) + "\n");
};
