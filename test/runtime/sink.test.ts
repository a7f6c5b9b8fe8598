/**
 * Sink (src/runtime/sink.ts), the base of the runtime's long-lived subscribers: RxJS uses it as
 * the subscriber itself, it keeps its source's teardown in a field, and every way a subscription
 * ends (unsubscribe, the source completing or failing) lets go of the source.
 */
import { describe, expect, it } from "vitest";
import { Observable, Subject } from "rxjs";
import { MethodSink, Sink } from "../../src/runtime/sink.js";

class Recorder extends Sink<number> {
  readonly seen: (number | string)[] = [];
  protected _next(v: number): void {
    this.seen.push(v);
  }
  protected _error(e: unknown): void {
    this.seen.push(`error:${String(e)}`);
    this.unsubscribe();
  }
  protected override _complete(): void {
    this.seen.push("complete");
    this.unsubscribe();
  }
}

describe("Sink", () => {
  it("is the subscription itself, and unsubscribing leaves the subject", () => {
    const s = new Subject<number>();
    const r = new Recorder();
    expect(s.subscribe(r)).toBe(r);
    s.next(1);
    expect(s.observed).toBe(true);
    r.unsubscribe();
    s.next(2);
    expect(s.observed).toBe(false);
    expect(r.seen).toEqual([1]);
    expect(r.closed).toBe(true);
  });

  it("lets go of its source when the source completes or fails", () => {
    const a = new Subject<number>();
    const ra = new Recorder();
    a.subscribe(ra);
    a.complete();
    expect([ra.seen, ra.closed, a.observed]).toEqual([["complete"], true, false]);
    const b = new Subject<number>();
    const rb = new Recorder();
    b.subscribe(rb);
    b.error("boom");
    expect([rb.seen, rb.closed, b.observed]).toEqual([["error:boom"], true, false]);
  });

  it("runs every teardown it was given, once; one added after the end runs at once", () => {
    const ran: string[] = [];
    const source = new Observable<number>(() => () => void ran.push("source"));
    const r = new Recorder();
    source.subscribe(r);
    r.add(() => void ran.push("extra"));
    r.unsubscribe();
    r.unsubscribe();
    expect(ran.sort()).toEqual(["extra", "source"]);
    r.add(() => void ran.push("late"));
    expect(ran).toContain("late");
  });
});

describe("MethodSink", () => {
  class Owner {
    readonly got: unknown[] = [];
    take(v: number): void {
      this.got.push(v);
    }
    fail(e: unknown): void {
      this.got.push(`error:${String(e)}`);
    }
  }

  it("hands values and the error to the owner's methods, called on the owner, then lets go", () => {
    const s = new Subject<number>();
    const owner = new Owner();
    const sink = new MethodSink(owner, owner.take, owner.fail);
    s.subscribe(sink);
    s.next(1);
    s.next(2);
    s.error("boom");
    s.next(3); // after the error: nothing
    expect(owner.got).toEqual([1, 2, "error:boom"]);
    expect(sink.closed).toBe(true);
    expect(s.observed).toBe(false);
  });
});
