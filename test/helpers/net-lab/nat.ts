/**
 * The nftables rule sets a lab router loads inside its own namespace (never the machine's
 * tables): source NAT on its WAN link, by router kind, and optionally a strict firewall.
 *
 * - `cone`: plain `masquerade`. Linux keeps the source port when it is free, so one local
 *   socket gets one public port whatever the destination (endpoint-independent mapping);
 *   conntrack still admits only replies from addresses the device has sent to.
 * - `symmetric`: `masquerade fully-random`: every new flow (destination address and port) gets
 *   a fresh random public port (address-and-port-dependent mapping), as carrier-grade NATs do.
 *
 * Neither is assumed: the lab's STUN probe measures the mapping and the tests assert it. Both
 * drop unsolicited inbound traffic (conntrack state `new` on the WAN), like a home router.
 * `dropInboundUdp` also drops every UDP datagram arriving on the WAN side, replies included:
 * only TCP (TURN over TCP) gets through such a router.
 */
export type NatKind = "cone" | "symmetric";

export interface RouterPolicy {
  readonly nat: NatKind;
  readonly dropInboundUdp?: boolean;
}

export const WAN_IFACE = "wan0";

/** The `nft -f` script for one router. */
export function routerRuleset(policy: RouterPolicy): string {
  const masquerade = policy.nat === "symmetric" ? "masquerade fully-random" : "masquerade";
  return [
    "table ip lethe_nat {",
    "  chain post {",
    "    type nat hook postrouting priority srcnat; policy accept;",
    `    oifname "${WAN_IFACE}" ${masquerade}`,
    "  }",
    "}",
    "table ip lethe_fw {",
    // Unsolicited inbound traffic is dropped as a home router's firewall does, and it is dropped
    // right after conntrack sees it (priority -150 > -200) so its entry is never confirmed: an
    // unconfirmed inbound flow would otherwise hold the router's public port, and a device
    // sending to that peer a moment later (ICE checks cross each other) would be masqueraded to
    // another port: a cone NAT turned symmetric by a race.
    "  chain inbound {",
    "    type filter hook prerouting priority -150; policy accept;",
    `    iifname "${WAN_IFACE}" ct state new counter drop`,
    ...(policy.dropInboundUdp === true ? [`    iifname "${WAN_IFACE}" meta l4proto udp counter drop`] : []),
    "  }",
    "}",
  ].join("\n") + "\n";
}
