/**
 * A stream that holds what arrives until someone listens. The memory adapters hand out channel
 * ends and signaling sessions before their owner has subscribed (the owner subscribes a
 * microtask later); a plain Subject would lose those first messages, a real transport would not.
 */
import { Observable, type Subscriber } from "rxjs";

export class Inbox<T> {
  private readonly backlog: T[] = [];
  private readonly subscribers = new Set<Subscriber<T>>();
  private done = false;

  readonly stream: Observable<T> = new Observable<T>((sub) => {
    this.subscribers.add(sub);
    // The first subscriber receives the backlog, in order.
    while (this.backlog.length > 0 && !sub.closed) sub.next(this.backlog.shift()!);
    if (this.done) sub.complete();
    return () => {
      this.subscribers.delete(sub);
    };
  });

  get closed(): boolean {
    return this.done;
  }

  push(value: T): void {
    if (this.done) return;
    if (this.subscribers.size === 0) {
      this.backlog.push(value);
      return;
    }
    for (const s of [...this.subscribers]) s.next(value);
  }

  complete(): void {
    if (this.done) return;
    this.done = true;
    for (const s of [...this.subscribers]) s.complete();
    this.subscribers.clear();
  }
}
