/**
 * `lethe-sync/bind`: keep an app's own store in step with the session's document.
 *
 * Framework-free: any store with `getState / setState / subscribe` (Zustand's vanilla store has
 * that shape; nothing here imports Zustand). See binding.ts for the life of a binding and the
 * seed exchange, seed.ts for the policies, values.ts for what counts as a plain value, and
 * docs/api.md ("Binding an app's store") for the guide.
 */
export { bindStore, createStoreBinding } from "./binding.js";
export type { BindableEngine, BindableStore, BoundSession, BoundStatus, StoreBinding, StoreBindingOptions } from "./binding.js";
export { seed, SEED_POLICIES } from "./seed.js";
export type { SeedPolicy, SeedResult, SeedSide } from "./seed.js";
export type { Stamp } from "./stamps.js";
export { BindDetachedError, BindDocumentError, BindError, BindStateError, BindValueError } from "./errors.js";
