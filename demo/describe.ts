/**
 * Words for what the engine is doing, for people: the demo page's phase line and its engine
 * table read the engine's public state (EngineState: actor values, countdowns, counters) and
 * say it in plain language instead of raw statechart values.
 */
import type { EngineState } from "../src/browser.js";

/** What the page knows beyond one snapshot: whether this session paired or connected, and how connecting went. */
export interface SessionFacts {
  readonly role: "host" | "join";
  readonly paired: boolean;
  readonly everConnected: boolean;
  readonly connectFailures: number;
  readonly lastConnectError: string | null;
}

export function clock(ms: number | null): string {
  if (ms === null) return "–";
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** The leaf names of a state value: {working: "awaitingPeer"} -> ["working", "awaitingPeer"]. */
function leaves(v: unknown): string[] {
  if (typeof v === "string") return [v];
  if (typeof v === "object" && v !== null) return Object.entries(v).flatMap(([k, x]) => [k, ...leaves(x)]);
  return [];
}
const inState = (s: EngineState, actor: string, name: string) => leaves(s.actors[actor]?.value).includes(name);

export function pairingText(s: EngineState, f: SessionFacts): string {
  if (f.paired || s.epoch !== null) return "paired ✓";
  if (s.actors.pairing === undefined) return s.status === "idle" ? "not started" : "–";
  if (inState(s, "pairing", "failed")) return "failed";
  if (inState(s, "pairing", "confirming")) return "confirming the keys…";
  if (inState(s, "pairing", "exchanging")) return "checking the code…";
  if (inState(s, "pairing", "awaitingPeer")) return f.role === "host" ? "waiting for the other device to type the code" : "waiting for the other device";
  return "looking for the other device…";
}

export function connectionText(s: EngineState, f: SessionFacts): string {
  const c = s.actors.connection;
  if (c === undefined) return f.everConnected ? "closed" : "not yet (pairing first)";
  const attempt = Number(c.context.attempt ?? 0);
  const failures = Number(c.context.failures ?? 0);
  if (inState(s, "connection", "open")) return `open, direct (channel ${s.channel?.id ?? "?"})`;
  if (inState(s, "connection", "reconnecting")) return `${f.everConnected ? "lost; " : ""}trying again shortly (${failures} failed attempt${failures === 1 ? "" : "s"})`;
  return `connecting directly… (attempt ${attempt})`;
}

/** The one line that says where the session is. */
export function phaseText(s: EngineState, f: SessionFacts): string {
  switch (s.status) {
    case "idle":
      return "Ready";
    case "pairing":
      return `Pairing: ${pairingText(s, f)}`;
    case "connecting":
      return f.connectFailures > 0
        ? `Paired — connecting directly… no network path found yet (${f.connectFailures} attempt${f.connectFailures === 1 ? "" : "s"} failed), still trying`
        : "Paired — connecting directly…";
    case "connected":
      if (s.verification?.strict === true && !s.syncing) {
        return s.verification.confirmedHere ? "Connected — waiting for the other device to confirm the words" : "Connected — compare the words on both devices";
      }
      return "Connected directly, end-to-end sealed";
    case "reconnecting":
      return "Connection lost — reconnecting…";
    case "ended":
      return "Ended";
  }
}

export const REASONS: Record<string, string> = {
  user: "you ended it",
  peerEnded: "the other device ended it",
  wrongCode: "wrong code",
  inactivity: "inactivity",
  expired: "expired",
  pairingTimeout: "pairing timed out",
  peerGone: "the other device is gone",
  verificationRejected: "the words did not match",
  error: "error",
};

/** Why the session ended, in a sentence a person can act on. */
export function endDetail(reason: string, f: SessionFacts): string {
  if ((reason === "peerGone" || reason === "pairingTimeout") && f.paired && !f.everConnected) {
    return `The connection could not be made: the devices paired, but no direct network path was found between them ` +
      `(${f.connectFailures} attempt${f.connectFailures === 1 ? "" : "s"}${f.lastConnectError ? `, last: ${f.lastConnectError}` : ""}). ` +
      `On one Wi-Fi the network may block device-to-device traffic; across networks a TURN server is needed.`;
  }
  switch (reason) {
    case "wrongCode":
      return "The codes did not match, so the devices refused each other. The code is used up: host again for a new one.";
    case "verificationRejected":
      return "The words were said to differ, so the session ended on both devices: someone may have been in the middle. " +
        "In strict mode nothing was shared. Host again for a new code, and keep it between the two devices.";
    case "peerGone":
      return "The other device stopped answering (closed, asleep or out of network).";
    case "inactivity":
      return "Nothing changed for 2 minutes, so the session ended itself.";
    case "pairingTimeout":
      return "Nobody typed the code in time.";
    case "expired":
      return "Sessions last at most 4 hours.";
    default:
      return "Keys zeroed, document destroyed, channels closed. Nothing remains on this device.";
  }
}
