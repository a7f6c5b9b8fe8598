/**
 * The engine's teardown registry: every subscription, timer, channel, session and buffer owner
 * the engine creates is registered here under a public label, and `run()` releases them all,
 * newest first. Tests read `live()` to prove nothing outlives the session.
 */
export interface Releasable {
  readonly label: string;
  release(): void;
}

export class Teardown {
  private readonly items = new Set<Releasable>();
  private closed = false;
  /** Errors thrown by release functions (kept, never swallowed: reported by the engine). */
  readonly failures: Array<{ label: string; error: unknown }> = [];

  /** Register `release` under `label`; returns a function that runs and unregisters it early. */
  add(label: string, release: () => void): () => void {
    if (this.closed) {
      // Registered after the end: release at once, so nothing leaks past it.
      this.safe({ label, release });
      return () => {};
    }
    const item: Releasable = { label, release };
    this.items.add(item);
    return () => {
      if (this.items.delete(item)) this.safe(item);
    };
  }

  /** Run one release; a throw is kept in `failures` (the engine reports it), never lost. */
  private safe(item: Releasable): void {
    try {
      item.release();
    } catch (error) {
      this.failures.push({ label: item.label, error });
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Labels of what is still registered. */
  live(): string[] {
    return [...this.items].map((i) => i.label);
  }

  /** Release everything, newest first. Idempotent. */
  run(): void {
    this.closed = true;
    const all = [...this.items].reverse();
    this.items.clear();
    for (const item of all) this.safe(item);
  }
}
