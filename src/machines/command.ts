/**
 * How a child machine hands a command to the runtime. A child always `emit`s the command (so a
 * standalone child can be used and observed on its own) and, when it runs under the session,
 * also sends it to its parent wrapped in `lethe.command`; the session re-emits it, so the
 * runtime listens on the session actor only.
 */
import type { SessionCommand } from "./protocol.js";

/** Child -> session wrapper event (internal; the runtime never sends it). */
export interface ChildCommandEvent {
  readonly type: "lethe.command";
  readonly command: SessionCommand;
}

export const CHILD_COMMAND = "lethe.command" as const;
