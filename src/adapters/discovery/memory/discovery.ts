/**
 * In-memory discovery: a registry of service records shared by the devices of one network.
 * Records are public. `find` checks each record with a Schema (version, nameplate, address,
 * port) and ignores and counts bad ones, as an mDNS browser must with records from strangers;
 * `network.injectRecord()` plants such records. Timeouts run on the network's injected clock.
 */
import * as Schema from "effect/Schema";
import * as Result from "effect/Result";
import {
  DiscoveryError, DiscoveryTimeoutError, type Advertisement, type Discovery, type ServiceRecord,
} from "../types.js";
import type { NetworkCore } from "../../../testing/network/core.js";

export const DISCOVERY_VERSION = 1;
const DEFAULT_FIND_TIMEOUT_MS = 10_000;

const RecordSchema = Schema.Struct({
  version: Schema.Number,
  nameplate: Schema.String.check(Schema.isPattern(/^[0-9A-Za-z-]{1,64}$/)),
  address: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(255)),
  port: Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 65535 })),
});
const decodeRecord = Schema.decodeUnknownResult(RecordSchema);

interface Waiter {
  readonly nameplate: string;
  readonly discovery: MemoryDiscoveryState;
  resolve(r: ServiceRecord): void;
}

interface MemoryDiscoveryState {
  readonly rejected: Record<string, number>;
}

/** Shared registry. */
export class MemoryDirectory {
  /** Raw records as published (or injected); validated by each finder. */
  readonly records: Array<{ raw: unknown; owner: string | undefined }> = [];
  readonly waiters = new Set<Waiter>();

  constructor(readonly core: NetworkCore) {}

  publish(raw: unknown, owner: string | undefined): { raw: unknown; owner: string | undefined } {
    const entry = { raw, owner };
    this.records.push(entry);
    for (const w of [...this.waiters]) {
      const r = check(raw, w.nameplate, w.discovery);
      if (r !== undefined) {
        this.waiters.delete(w);
        w.resolve(r);
      }
    }
    return entry;
  }

  withdraw(entry: { raw: unknown }): void {
    const i = this.records.findIndex((e) => e === entry);
    if (i >= 0) this.records.splice(i, 1);
  }
}

function bump(state: MemoryDiscoveryState, reason: string): void {
  state.rejected[reason] = (state.rejected[reason] ?? 0) + 1;
}

/** A valid record for `nameplate`, or undefined (counted in `rejected` when malformed/foreign). */
function check(raw: unknown, nameplate: string, state: MemoryDiscoveryState): ServiceRecord | undefined {
  const r = decodeRecord(raw);
  if (Result.isFailure(r)) {
    bump(state, "malformed");
    return undefined;
  }
  const rec = r.success;
  if (rec.nameplate !== nameplate) return undefined;
  if (rec.version !== DISCOVERY_VERSION) {
    bump(state, "version");
    return undefined;
  }
  return rec;
}

export function createMemoryDiscovery(dir: MemoryDirectory, device: string): Discovery {
  const state: MemoryDiscoveryState = { rejected: {} };
  const ads = new Set<{ raw: unknown; owner: string | undefined }>();
  const pending = new Set<() => void>();
  let closed = false;

  return {
    kind: "memory",
    get rejected() {
      return { ...state.rejected };
    },
    async advertise(record) {
      if (closed) throw new DiscoveryError("discovery is closed");
      const raw = { version: DISCOVERY_VERSION, nameplate: record.nameplate, address: record.address, port: record.port };
      if (Result.isFailure(decodeRecord(raw))) throw new DiscoveryError("refusing to advertise a malformed record");
      const entry = dir.publish(raw, device);
      ads.add(entry);
      let withdrawn = false;
      const ad: Advertisement = {
        async withdraw() {
          if (withdrawn) return;
          withdrawn = true;
          ads.delete(entry);
          dir.withdraw(entry);
        },
      };
      return ad;
    },
    find(nameplate, options) {
      return new Promise<ServiceRecord>((resolve, reject) => {
        if (closed) return reject(new DiscoveryError("discovery is closed"));
        if (options?.signal?.aborted) return reject(new DiscoveryError("find aborted"));
        for (const e of dir.records) {
          const r = check(e.raw, nameplate, state);
          if (r !== undefined) return resolve(r);
        }
        let timer: unknown;
        const cleanup = () => {
          dir.waiters.delete(waiter);
          pending.delete(cancel);
          dir.core.clock.clearTimeout(timer);
          options?.signal?.removeEventListener("abort", onAbort);
        };
        const waiter: Waiter = {
          nameplate,
          discovery: state,
          resolve: (r) => {
            cleanup();
            resolve(r);
          },
        };
        const cancel = () => {
          cleanup();
          reject(new DiscoveryError("discovery closed"));
        };
        const onAbort = () => {
          cleanup();
          reject(new DiscoveryError("find aborted"));
        };
        dir.waiters.add(waiter);
        pending.add(cancel);
        options?.signal?.addEventListener("abort", onAbort);
        timer = dir.core.clock.setTimeout(() => {
          cleanup();
          reject(new DiscoveryTimeoutError(`no record for nameplate within ${options?.timeoutMs ?? DEFAULT_FIND_TIMEOUT_MS} ms`));
        }, options?.timeoutMs ?? DEFAULT_FIND_TIMEOUT_MS);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const c of [...pending]) c();
      for (const e of [...ads]) dir.withdraw(e);
      ads.clear();
    },
  };
}
