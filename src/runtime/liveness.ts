/**
 * Liveness stamps: when the last activity happened (a local or remote change to the doc or
 * awareness, or the host app's `touch()`), and when the last authenticated frame arrived from
 * the peer. The pipelines stamp; the dead-man and peer-gone timers read the stamps when they fire
 * (their guards and delays read it from the machines' context: machines/deadMan.ts, connection.ts), so a burst of ten thousand edits costs ten thousand stores of a
 * number, not ten thousand actor events.
 */
import type { Clock } from "../clock.js";
import type { SessionLiveness } from "../machines/protocol.js";

export class Liveness implements SessionLiveness {
  private lastActivityAt: number;
  private lastPeerFrameAt: number;
  private linkOpenedAt: number;

  constructor(private readonly clock: Clock) {
    this.lastActivityAt = this.lastPeerFrameAt = this.linkOpenedAt = clock.now();
  }

  /** Pairing is the start of both periods. */
  reset(): void {
    this.lastActivityAt = this.lastPeerFrameAt = this.clock.now();
  }

  activity(): void {
    this.lastActivityAt = this.clock.now();
  }

  peerFrame(): void {
    this.lastPeerFrameAt = this.clock.now();
  }

  /** A new link opened: its staleness counts from now, not from the frames of the old one. */
  linkOpened(): void {
    this.linkOpenedAt = this.clock.now();
  }

  idleMs(): number {
    return this.clock.now() - this.lastActivityAt;
  }

  peerSilentMs(): number {
    return this.clock.now() - this.lastPeerFrameAt;
  }

  linkSilentMs(): number {
    return this.clock.now() - Math.max(this.lastPeerFrameAt, this.linkOpenedAt);
  }

  /** What the inspector and snapshots show of it (it sits in the machines' context). */
  toJSON(): { idleMs: number; peerSilentMs: number; linkSilentMs: number } {
    return { idleMs: this.idleMs(), peerSilentMs: this.peerSilentMs(), linkSilentMs: this.linkSilentMs() };
  }

  get activityAt(): number {
    return this.lastActivityAt;
  }
}
