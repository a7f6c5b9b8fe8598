/**
 * What every compliance suite is given, and the one wrapper that runs a test body between the
 * implementation's `setup` and `teardown` (teardown runs even when the body fails), in the
 * shape of js-libp2p's interface-compliance-tests `TestSetup`.
 */
export interface SuiteSetup<T> {
  setup(): Promise<T>;
  teardown(ctx: T): Promise<void>;
}

export function withSetup<T>(s: SuiteSetup<T>): (fn: (ctx: T) => Promise<void>) => () => Promise<void> {
  return (fn) => async () => {
    const ctx = await s.setup();
    try {
      await fn(ctx);
    } finally {
      await s.teardown(ctx);
    }
  };
}
