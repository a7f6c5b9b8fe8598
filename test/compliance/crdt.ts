/**
 * The crdt compliance suite. Its source ships in the package (`lethe-sync/testing`), so
 * third-party adapter authors run the very same suite; see src/testing/compliance/crdt.ts for
 * what it checks and how to call it. This file keeps the conventional test/compliance path.
 */
export * from "../../src/testing/compliance/crdt.js";
