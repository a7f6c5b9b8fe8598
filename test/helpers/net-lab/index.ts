/**
 * The net lab: a test internet in private network namespaces (lab.ts), NAT routers by nftables
 * (nat.ts), a real coturn (coturn.ts), a STUN mapping probe (stun-probe.ts) and a packet capture
 * on the internet segment (capture.ts). Test-only; root only. See docs/networks.md.
 */
export { createNetLab, LAB, type LabDevice, type LabRouter, type NetLab } from "./lab.js";
export type { Coturn } from "./coturn.js";
export { startCapture, udpFlows, type CaptureResult } from "./capture.js";
export { runDevice, pairDevices, parsePath, type DevicePath, type PairResult } from "./devices.js";
export { bundlePage, launchChromiumIn } from "./chromium.js";
