/**
 * Relay counters for GET /metrics (Prometheus text format). Counts only: no nameplate, mailbox
 * id, address or payload ever becomes a label.
 */
export const DROP_REASONS = ["expired", "mailbox_full"] as const;
export type DropReason = (typeof DROP_REASONS)[number];
export const LIMITS = [
  "blob_size",
  "held_per_mailbox",
  "nameplates_per_connection",
  "mailboxes_per_connection",
  "messages_per_second",
  "claims_per_address",
  "failed_joins_per_address",
  "mailboxes_per_address",
  "held_bytes_per_address",
  "held_bytes_total",
  "connections_per_address",
  "connections_total",
  "idle_timeout",
  "error_budget",
  "send_buffer",
] as const;
export type LimitName = (typeof LIMITS)[number];

export class RelayMetrics {
  connections = 0;
  connectionsTotal = 0;
  mailboxesOpen = 0;
  framesIn = 0;
  framesOut = 0;
  badFrames = 0;
  blobsPosted = 0;
  blobsDelivered = 0;
  blobsHeldTotal = 0;
  nameplatesClaimed = 0;
  nameplatesJoined = 0;
  turnCredentials = 0;
  /** Requests sent to the store's backend (Redis round trips; 0 for memory). */
  storeRoundTrips = 0;
  readonly drops = new Map<DropReason, number>(DROP_REASONS.map((r) => [r, 0]));
  readonly limitHits = new Map<LimitName, number>(LIMITS.map((l) => [l, 0]));

  drop(reason: DropReason, n = 1): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + n);
  }
  limit(name: LimitName): void {
    this.limitHits.set(name, (this.limitHits.get(name) ?? 0) + 1);
  }

  /** Prometheus exposition text. `heldBlobs`/`nameplates` come from the store (gauges). */
  render(store: { heldBlobs: number; nameplates: number; addresses?: number }): string {
    const lines: string[] = [];
    const g = (name: string, help: string, type: "gauge" | "counter", value: number) => {
      lines.push(`# HELP lethe_relay_${name} ${help}`, `# TYPE lethe_relay_${name} ${type}`, `lethe_relay_${name} ${value}`);
    };
    g("connections", "Open WebSocket connections on this instance.", "gauge", this.connections);
    g("connections_total", "Connections accepted since start.", "counter", this.connectionsTotal);
    g("mailboxes_open", "Mailbox sides with a subscriber on this instance.", "gauge", this.mailboxesOpen);
    g("blobs_held", "Blobs held in the store for absent recipients.", "gauge", store.heldBlobs);
    g("nameplates", "Nameplates claimed and not yet released (store-wide).", "gauge", store.nameplates);
    g("frames_in_total", "Frames received.", "counter", this.framesIn);
    g("frames_out_total", "Frames sent.", "counter", this.framesOut);
    g("bad_frames_total", "Frames refused as malformed.", "counter", this.badFrames);
    g("blobs_posted_total", "Blobs accepted from clients.", "counter", this.blobsPosted);
    g("blobs_delivered_total", "Blobs written to a recipient's socket.", "counter", this.blobsDelivered);
    g("blobs_held_total", "Blobs stored for a recipient that was not connected.", "counter", this.blobsHeldTotal);
    g("nameplates_claimed_total", "Nameplates handed out.", "counter", this.nameplatesClaimed);
    g("nameplates_joined_total", "Nameplates joined by a second device.", "counter", this.nameplatesJoined);
    g("turn_credentials_total", "TURN credentials minted.", "counter", this.turnCredentials);
    g("store_round_trips_total", "Requests sent to the store's backend (Redis).", "counter", this.storeRoundTrips);
    g("addresses", "Client addresses with a connection or budget in use on this instance.", "gauge", store.addresses ?? 0);
    lines.push("# HELP lethe_relay_drops_total Blobs dropped, by reason.", "# TYPE lethe_relay_drops_total counter");
    for (const [r, n] of this.drops) lines.push(`lethe_relay_drops_total{reason="${r}"} ${n}`);
    lines.push("# HELP lethe_relay_limit_hits_total Requests refused by a limit.", "# TYPE lethe_relay_limit_hits_total counter");
    for (const [l, n] of this.limitHits) lines.push(`lethe_relay_limit_hits_total{limit="${l}"} ${n}`);
    return lines.join("\n") + "\n";
  }
}
