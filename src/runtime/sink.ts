/**
 * The base of the runtime's long-lived subscribers: a `Subscriber` that is its own observer and
 * keeps the one teardown its source hands back in a field.
 *
 * Why: a session's subscriptions live as long as the session, so what each one costs while idle
 * is what an idle session costs (docs/performance.md, "idle paired session heap"). Subscribing a
 * plain observer object wraps it in a `SafeSubscriber` and a `ConsumerObserver`, and the source's
 * teardown goes into a finalizer array that V8 sizes for 17 entries on the first push — about
 * 300 bytes per subscription before the observer's own. A `Sink` is passed to `subscribe` as the
 * subscriber itself (RxJS takes a `Subscriber` as is) and holds the first teardown it is given in
 * a field; any further one goes to RxJS's own list as usual.
 *
 * A subclass implements `_next` and `_error` (an error is reported, never dropped), and
 * `_complete` where stopping quietly is not what it wants; `_error`/`_complete` end with
 * `unsubscribe()`.
 * Unlike a `SafeSubscriber`, nothing catches what `_next` throws: it reaches the producer, so a
 * sink that can fail catches and reports itself.
 */
import { Subscriber, type TeardownLogic, type Unsubscribable } from "rxjs";

type Teardown = Unsubscribable | (() => void);

export abstract class Sink<T> extends Subscriber<T> {
  private teardown: Teardown | undefined;

  constructor() {
    super(); // no destination: a sink is the end of its pipeline
  }

  override add(teardown: TeardownLogic): void {
    if (this.teardown === undefined && !this.closed && teardown !== undefined && teardown !== null && teardown !== this) {
      this.teardown = teardown;
      return;
    }
    super.add(teardown);
  }

  override unsubscribe(): void {
    if (this.closed) return;
    super.unsubscribe();
    const t = this.teardown;
    this.teardown = undefined;
    if (typeof t === "function") t();
    else t?.unsubscribe();
  }

  protected abstract override _next(value: T): void;

  /** Where the source's error goes (every sink reports it somewhere; an override ends with `unsubscribe()`). */
  protected abstract override _error(e: unknown): void;

  protected override _complete(): void {
    this.unsubscribe();
  }
}

/**
 * A sink that hands each value, and the error, to methods of one owner object. The methods are
 * the owner's prototype functions (shared by every instance), so a watcher costs three fields
 * and no closure — the same as a one-off subclass, without writing one per stream.
 */
export class MethodSink<T, O> extends Sink<T> {
  constructor(
    private readonly owner: O,
    private readonly onValue: (this: O, value: T) => void,
    private readonly onError: (this: O, e: unknown) => void,
  ) {
    super();
  }
  protected _next(value: T): void {
    this.onValue.call(this.owner, value);
  }
  protected _error(e: unknown): void {
    this.unsubscribe();
    this.onError.call(this.owner, e);
  }
}
