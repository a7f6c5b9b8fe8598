/**
 * `lethe-sync/adapters/werift`: the Node WebRTC transport (werift data channels).
 * See docs/transport.md for why the sync channel is reliable and ordered, the STUN fallback
 * this adapter prevents, ICE settings for LAN vs cross-network, and back-pressure numbers.
 */
export { weriftTransport, type WeriftTransport, type WeriftTransportOptions, type WeriftTransportStats } from "./transport.js";
export type { IceServer } from "./ice.js";
export { EmptyMessageError } from "./channel.js";
export { filterSdpCandidates, candidateAllowed, type CandidatePolicy } from "../webrtc/candidates.js";
