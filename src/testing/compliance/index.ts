/**
 * `lethe-sync/testing/compliance`: the adapter compliance suites, as js-libp2p's
 * interface-compliance-tests: a third-party adapter proves itself by running the suite from its
 * own vitest file. They import `vitest`, which the test runner provides.
 */
export { transportCompliance, createPipePair, connectPair } from "./transport.js";
export type { TransportPair, TransportSuiteSetup } from "./transport.js";
export { signalingCompliance } from "./signaling.js";
export type { SignalingTrio, SignalingSuiteSetup } from "./signaling.js";
export { discoveryCompliance } from "./discovery.js";
export type { DiscoveryPair, DiscoverySuiteSetup } from "./discovery.js";
export { crdtCompliance } from "./crdt.js";
export type { CrdtFactory, CrdtSuiteSetup } from "./crdt.js";
