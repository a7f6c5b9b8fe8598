/**
 * `lethe-sync/adapters/mdns`: LAN discovery over mDNS (bonjour-service) and LAN signaling over
 * a local WebSocket found through it. Node only. Use inside a trusted LAN; records are public.
 */
export { mdnsDiscovery, DiscoveryRecordError, DiscoveryClosedError, DiscoveryAbortedError, type MdnsDiscovery, type MdnsDiscoveryOptions } from "./discovery.js";
export { SERVICE_TYPE, PROTOCOL_VERSION } from "./record.js";
export { lanSignaling, InvalidNameplateError, InvalidMailboxError, type LanSignaling, type LanSignalingOptions } from "../../signaling/lan/lan-signaling.js";
