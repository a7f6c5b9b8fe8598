/** The CRDT adapter kind: the interface and the Yjs binding. */
export * from "./types.js";
export { createYjsCrdt, type YjsCrdtOptions } from "./yjs.js";
