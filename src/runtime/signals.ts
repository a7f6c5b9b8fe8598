/**
 * Signaling after pairing: the private mailbox at `secureChannel.mailboxId`, sealed both ways.
 * Every signal the transport sends is wrapped in a signal envelope and sealed with `sealSignal`;
 * every blob that arrives is opened and Schema-decoded before a transport sees it. Signals
 * posted before the mailbox is open wait for it; signals that arrive while no connect attempt
 * listens are kept (at most MAX_BUFFERED_SIGNALS) for the next attempt.
 */
import { Observable, Subject } from "rxjs";
import type { SecureChannel } from "../adapters/crypto/index.js";
import type { Signaling, SignalingSession } from "../adapters/signaling/types.js";
import type { SignalPipe } from "../adapters/transport/types.js";
import { decodeSignalEnvelope, encodeSignalEnvelope } from "./codec.js";
import type { Teardown } from "./teardown.js";

/** Signals that arrive while no connect attempt listens are kept (bounded) for the next one. */
export const MAX_BUFFERED_SIGNALS = 32;

export interface SealedSignalingHooks {
  readonly teardown: Teardown;
  /** The session has ended: a late mailbox is closed at once. */
  ended(): boolean;
  reportError(name: string, source: string): void;
  fatal(e: Error): void;
}

/** One connect attempt's pipe; `done()` detaches it (later signals are buffered again). */
export interface AttemptPipe {
  readonly pipe: SignalPipe;
  done(): void;
}

export class SealedSignaling {
  private sc: SecureChannel | undefined;
  private mailbox: SignalingSession | undefined;
  /** Sealed signals waiting for the mailbox to open. */
  private readonly outgoing: Uint8Array[] = [];
  /** Opened signals waiting for a connect attempt. */
  private readonly buffered: Uint8Array[] = [];
  private current: Subject<Uint8Array> | undefined;

  constructor(
    private readonly signaling: Signaling,
    private readonly hooks: SealedSignalingHooks,
  ) {}

  /** Opens the private mailbox for this secure channel (after pairing). */
  open(sc: SecureChannel, side: "host" | "join"): void {
    this.sc = sc;
    const { teardown } = this.hooks;
    this.signaling.mailbox(sc.mailboxId, side).then(
      (session) => {
        if (this.hooks.ended()) {
          session.close().catch(() => {});
          return;
        }
        this.mailbox = session;
        teardown.add("signaling.mailbox", () => {
          session.close().catch(() => {});
        });
        const sub = session.messages$.subscribe((sealed) => this.receive(sealed));
        teardown.add("signaling.mailbox.messages", () => sub.unsubscribe());
        for (const s of this.outgoing.splice(0)) this.post(s);
      },
      (e: unknown) => this.hooks.fatal(e instanceof Error ? e : new Error("mailbox failed")),
    );
  }

  /** A pipe for one connect attempt, fed first with what arrived while nobody listened. */
  attempt(): AttemptPipe {
    const subject = new Subject<Uint8Array>();
    const backlog = this.buffered.splice(0);
    this.current = subject;
    const received$ = new Observable<Uint8Array>((sub) => {
      for (const s of backlog.splice(0)) sub.next(s);
      return subject.subscribe(sub);
    });
    return {
      pipe: { send: (s) => this.send(s), received$ },
      done: () => {
        if (this.current === subject) this.current = undefined;
        subject.complete();
      },
    };
  }

  /** Forget queued signals (the session is being wiped). */
  clear(): void {
    this.outgoing.length = 0;
    this.buffered.length = 0;
  }

  close(): void {
    this.mailbox?.close().catch(() => {});
    this.mailbox = undefined;
  }

  private post(sealed: Uint8Array): void {
    if (this.mailbox === undefined) {
      this.outgoing.push(sealed);
      return;
    }
    this.mailbox.send(sealed).catch((e: unknown) => this.hooks.reportError(e instanceof Error ? e.name : "SignalingError", "signaling"));
  }

  private send(bytes: Uint8Array): void {
    const sc = this.sc;
    if (!sc || sc.wiped) return;
    try {
      this.post(sc.sealSignal(encodeSignalEnvelope({ kind: "transport", bytes })));
    } catch (e) {
      this.hooks.reportError((e as Error).name, "signaling");
    }
  }

  private receive(sealed: Uint8Array): void {
    const sc = this.sc;
    if (!sc || sc.wiped) return;
    let env;
    try {
      env = decodeSignalEnvelope(sc.openSignal(sealed));
    } catch (e) {
      this.hooks.reportError(e instanceof Error ? e.name : "SignalDecodeError", "signal");
      return;
    }
    if (this.current) this.current.next(env.bytes);
    else {
      this.buffered.push(env.bytes);
      if (this.buffered.length > MAX_BUFFERED_SIGNALS) this.buffered.shift();
    }
  }
}
