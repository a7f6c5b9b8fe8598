/**
 * The root of every error Lethe reports. Each failure has its own subclass with a stable
 * `name` (tests and host apps match on `name`, never on message text). Messages carry public
 * data only: never key bytes, never the secret words of a pairing code.
 */
export class LetheError extends Error {
  override readonly name: string = "LetheError";
  /** For the few errors with one: what a person can do about it (a fixed public text, shown in events). */
  readonly hint?: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
