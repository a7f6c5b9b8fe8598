/**
 * Loading the engine's pieces, which other engineers build in parallel with this harness.
 *
 * Every engine workload loads what it needs through here. If a module is absent, does not load,
 * or lacks the export, the workload gets a PieceMissingError and prints a row saying
 * "engine piece missing: X" with met=false — the harness never substitutes a number.
 */
import type * as CryptoNode from "../../src/adapters/crypto/node.js";
import type * as Runtime from "../../src/runtime/index.js";
import type * as Werift from "../../src/adapters/transport/werift/index.js";

export class PieceMissingError extends Error {
  override readonly name = "PieceMissingError";
  constructor(readonly piece: string, reason: string) {
    super(`engine piece missing: ${piece} (${reason})`);
  }
}

async function load<T>(piece: string, file: string, exports: readonly string[], importer: () => Promise<unknown>): Promise<T> {
  let mod: Record<string, unknown>;
  try {
    mod = (await importer()) as Record<string, unknown>;
  } catch (e) {
    const msg = e instanceof Error ? e.message.split("\n")[0]! : String(e);
    throw new PieceMissingError(piece, `${file} does not load: ${msg.slice(0, 120)}`);
  }
  const absent = exports.filter((x) => typeof mod[x] === "undefined");
  if (absent.length > 0) throw new PieceMissingError(piece, `${file} has no ${absent.join(", ")}`);
  return mod as T;
}

/** Crypto core: frames, handshake, both AEAD backends. */
export const loadCrypto = (): Promise<typeof CryptoNode> =>
  load("crypto core (createSecureChannel/createPairingHandshake/nodeAead)", "src/adapters/crypto/node.ts", [
    "createSecureChannel", "createPairingHandshake", "createKeyStore", "nobleAead", "nodeAead", "FrameType", "SEAL_INTO_MIN_PAYLOAD_BYTES",
  ], () => import("../../src/adapters/crypto/node.js"));

/** Runtime: createSyncEngine and the memory network. */
export const loadRuntime = (): Promise<typeof Runtime> =>
  load("runtime (createSyncEngine/createMemoryNetwork)", "src/runtime/index.ts", ["createSyncEngine", "createMemoryNetwork"], () =>
    import("../../src/runtime/index.js"));

/** werift transport adapter. */
export const loadWerift = (): Promise<typeof Werift> =>
  load("werift transport (weriftTransport)", "src/adapters/transport/werift/index.ts", ["weriftTransport"], () =>
    import("../../src/adapters/transport/werift/index.js"));
