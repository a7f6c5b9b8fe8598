/** The Yjs binding runs the CRDT compliance suite. */
import { crdtCompliance } from "../../../src/testing/compliance/crdt.js";
import { createYjsCrdt } from "../../../src/adapters/crdt/yjs.js";

crdtCompliance("yjs", { setup: async () => ({ create: () => createYjsCrdt() }), teardown: async () => {} });
