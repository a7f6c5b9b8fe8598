/**
 * Discovery: find the device hosting a nameplate on the local network (mDNS), or in memory.
 * Records are public: protocol version, nameplate and where to reach the host's signaling
 * endpoint. Nothing secret is ever advertised.
 */
import { LetheError } from "../../errors.js";

export interface ServiceRecord {
  readonly version: number;
  readonly nameplate: string;
  readonly address: string;
  readonly port: number;
}

export interface Advertisement {
  /** Send a goodbye and stop answering. Idempotent. */
  withdraw(): Promise<void>;
}

export interface Discovery {
  readonly kind: string;
  advertise(record: Omit<ServiceRecord, "version">): Promise<Advertisement>;
  /**
   * Resolve with the first valid record for `nameplate`. Records with a wrong version, odd or
   * oversized fields are ignored and counted (see `rejected`). Rejects with DiscoveryTimeoutError.
   */
  find(nameplate: string, options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<ServiceRecord>;
  /** Count of records ignored as malformed or foreign, by reason. */
  readonly rejected: Readonly<Record<string, number>>;
  close(): Promise<void>;
}

export class DiscoveryError extends LetheError {
  override readonly name: string = "DiscoveryError";
}
export class DiscoveryTimeoutError extends DiscoveryError {
  override readonly name = "DiscoveryTimeoutError";
}
