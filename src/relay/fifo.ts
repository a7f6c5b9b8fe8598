/**
 * A queue of (time, item), popped in the order pushed once the head's time has come; amortised
 * O(1) shift (the arrays are cut down once more than half of them has been popped). Used where
 * the relay revisits things after a delay without a timer each: cooled-down nameplates, records
 * due to be forgotten, addresses gone quiet.
 */
export class TimedFifo<T> {
  private at: number[] = [];
  private items: (T | undefined)[] = [];
  private head = 0;

  push(at: number, item: T): void {
    this.at.push(at);
    this.items.push(item);
  }

  /** Entries not popped yet. */
  get size(): number {
    return this.at.length - this.head;
  }

  /** Pops the head if its time is `now` or earlier. */
  popReady(now: number): T | undefined {
    if (this.head >= this.at.length || this.at[this.head]! > now) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined; // not kept alive by the queue
    if (this.head > 1024 && this.head * 2 > this.at.length) {
      this.at = this.at.slice(this.head);
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
