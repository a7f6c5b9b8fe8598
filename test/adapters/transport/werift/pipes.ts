/**
 * Test plumbing for the werift tests: a pair of in-memory SignalPipes (what the runtime's sealed
 * signaling path looks like to a transport), with a tap to tamper with or record signals.
 */
import { Subject } from "rxjs";
import type { SignalPipe } from "../../../../src/adapters/transport/types.js";

export interface PipePair {
  readonly a: SignalPipe;
  readonly b: SignalPipe;
  /** Every signal sent, in order, by side. */
  readonly sent: { from: "a" | "b"; bytes: Uint8Array }[];
  /** Inject bytes as if the other side had sent them. */
  inject(to: "a" | "b", bytes: Uint8Array): void;
}

export function pipePair(tamper?: (from: "a" | "b", bytes: Uint8Array) => Uint8Array | undefined): PipePair {
  const toA = new Subject<Uint8Array>();
  const toB = new Subject<Uint8Array>();
  const sent: PipePair["sent"] = [];
  // Deliver on a later turn, like any real network would: never re-entrantly inside send().
  const deliver = (to: Subject<Uint8Array>, bytes: Uint8Array) => queueMicrotask(() => to.next(bytes));
  return {
    sent,
    a: {
      received$: toA.asObservable(),
      send: (bytes) => {
        sent.push({ from: "a", bytes });
        const out = tamper ? tamper("a", bytes) : bytes;
        if (out) deliver(toB, out);
      },
    },
    b: {
      received$: toB.asObservable(),
      send: (bytes) => {
        sent.push({ from: "b", bytes });
        const out = tamper ? tamper("b", bytes) : bytes;
        if (out) deliver(toA, out);
      },
    },
    inject: (to, bytes) => deliver(to === "a" ? toA : toB, bytes),
  };
}
