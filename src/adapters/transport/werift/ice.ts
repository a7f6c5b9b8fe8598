/**
 * ICE configuration for werift, and the guard against werift's hidden STUN fallback.
 *
 * werift 0.25 gives every ICE `Connection` a STUN server even when `iceServers` is `[]`:
 * `Connection.applyStunTurnServersFromOptions` falls back to `stun.l.google.com:19302`, and the
 * first STUN transaction resolves that name with `dns.promises.lookup`. So a "no servers" peer
 * connection still does one DNS lookup and sends Binding requests to Google during gathering.
 *
 * We stop it per connection, not globally: before each gathering pass (`setLocalDescription`)
 * `pinIceServers` gives every ICE `Connection` of *this* peer connection an own
 * `applyStunTurnServersFromOptions` that keeps `stunServer` undefined unless the host app
 * configured one, and applies it at once. werift's prototype is never touched, so other werift
 * users in the same process keep their behaviour. After gathering, `assertNoStrayStun` checks
 * the result and fails the connect if werift ever grew a server we did not configure.
 */
import { isIP } from "node:net";
import type { RTCPeerConnection, RTCPeerConnectionConfig } from "werift";
import { ConnectFailedError } from "../types.js";
import { isLoopback } from "../webrtc/candidates.js";

export interface IceServer {
  readonly urls: string | readonly string[];
  readonly username?: string;
  readonly credential?: string;
}

export interface IceOptions {
  readonly iceServers: readonly IceServer[];
  readonly interfaceAddress?: string;
  readonly loopbackOnly: boolean;
  readonly portRange?: readonly [number, number];
}

const PINNED = Symbol("lethe.werift.pinned");

interface StunState {
  stunServer?: unknown;
  options: { stunServer?: unknown };
  applyStunTurnServersFromOptions(): void;
  [PINNED]?: true;
}

/** The werift PeerConfig for our options (loopback/interface pinning, no implicit servers). */
export function peerConfig(opts: IceOptions, maxMessageSize: number): RTCPeerConnectionConfig {
  const iceServers = opts.iceServers.map((s) => ({
    urls: typeof s.urls === "string" ? s.urls : [...s.urls],
    ...(s.username !== undefined ? { username: s.username } : {}),
    ...(s.credential !== undefined ? { credential: s.credential } : {}),
  }));
  const config: RTCPeerConnectionConfig = {
    iceServers,
    iceUseTcp: false,
    maxMessageSize,
    ...(opts.portRange ? { icePortRange: [opts.portRange[0], opts.portRange[1]] as [number, number] } : {}),
  };
  const addr = opts.interfaceAddress;
  if (addr !== undefined) {
    const fam = isIP(addr);
    // Interface gathering skips loopback and would add every NIC; turn it off and name the
    // one address ourselves (api-facts §7: the only way to get 127.0.0.1 is an additional host).
    config.iceUseIpv4 = false;
    config.iceUseIpv6 = false;
    config.iceAdditionalHostAddresses = [addr];
    config.iceInterfaceAddresses = fam === 6 ? { udp6: addr } : { udp4: addr };
  }
  const loopbackOnly = opts.loopbackOnly;
  config.iceFilterCandidatePair = (pair) => {
    const local = pair.localCandidate.host;
    const remote = pair.remoteCandidate.host;
    if (addr !== undefined && local !== addr) return false;
    if (loopbackOnly) return isLoopback(local) && isLoopback(remote);
    return isIP(remote) !== 0;
  };
  return config;
}

/** Does the host app's config name a STUN server? (TURN alone does not imply STUN.) */
export function configuresStun(servers: readonly IceServer[]): boolean {
  return servers.some((s) => (typeof s.urls === "string" ? [s.urls] : s.urls).some((u) => /^stuns?:/i.test(u)));
}

/** Per-connection override of werift's default STUN server (see the module docblock). */
export function pinIceServers(pc: RTCPeerConnection): void {
  for (const transport of pc.iceTransports) {
    const conn = transport.connection as unknown as StunState;
    if (conn[PINNED]) continue;
    const original = Object.getPrototypeOf(conn).applyStunTurnServersFromOptions as (this: StunState) => void;
    Object.defineProperty(conn, "applyStunTurnServersFromOptions", {
      configurable: true,
      writable: true,
      value: function (this: StunState) {
        original.call(this);
        if (this.options.stunServer === undefined) this.stunServer = undefined;
      },
    });
    conn[PINNED] = true;
    conn.applyStunTurnServersFromOptions();
  }
}

/** Fail closed if any ICE connection of `pc` holds a STUN server the app did not configure. */
export function assertNoStrayStun(pc: RTCPeerConnection, stunConfigured: boolean): void {
  for (const transport of pc.iceTransports) {
    const conn = transport.connection as unknown as StunState;
    if (!stunConfigured && conn.stunServer !== undefined) {
      throw new ConnectFailedError("werift kept a STUN server the app did not configure; refusing to gather");
    }
  }
}
