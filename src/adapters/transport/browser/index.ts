/**
 * `lethe-sync/adapters/browser`: the browser WebRTC transport (the platform's RTCPeerConnection),
 * wire-compatible with `lethe-sync/adapters/werift`. Browser-safe: no `node:*` imports.
 */
export {
  browserTransport,
  NoWebRtcError,
  type BrowserIceServer,
  type BrowserTransport,
  type BrowserTransportOptions,
  type BrowserTransportStats,
} from "./transport.js";
export {
  filterSdpCandidates,
  candidateAllowed,
  ipFamily,
  type CandidatePolicy as BrowserCandidatePolicy,
} from "../webrtc/candidates.js";
