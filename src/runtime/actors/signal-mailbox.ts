/**
 * Signaling after pairing: the private mailbox at `secureChannel.mailboxId`, sealed both ways.
 * Every signal a transport sends is wrapped in a signal envelope and sealed (`sealSignal`) before
 * it reaches the signaling adapter; every blob that arrives is opened and Schema-decoded before a
 * transport sees it. Signals posted before the mailbox is open wait for it; signals that arrive
 * while no connect attempt listens are kept (at most MAX_BUFFERED_SIGNALS) for the next attempt.
 * When the peer comes back on a new connection (a network change: what the relay delivered to
 * its old one is lost), the current attempt's signals are posted again; the replay window on the
 * other side drops any copy it did receive.
 *
 * The mailbox also carries the end of the session when no channel is open (a `bye` envelope:
 * e.g. the words were rejected the moment they showed, before the devices connected), so the peer
 * ends at once instead of trying to connect until its liveness timeout.
 */
import { Observable, Subject, type Subscription } from "rxjs";
import { fromCallback } from "xstate";
import type { SecureChannel } from "../../adapters/crypto/index.js";
import type { SignalingSession } from "../../adapters/signaling/types.js";
import type { SignalPipe } from "../../adapters/transport/types.js";
import type { EndReason } from "../../machines/protocol.js";
import { decodeByeBody, decodeSignalEnvelope, encodeBye, encodeSignalEnvelope } from "../codec.js";
import { LetheError } from "../../errors.js";
import { reportRejection, type ErrorReporter } from "../report.js";
import { scopeOf } from "../binding.js";
import { MethodSink } from "../sink.js";

/** Signals that arrive while no connect attempt listens are kept (bounded) for the next one. */
export const MAX_BUFFERED_SIGNALS = 32;

/** One connect attempt's pipe; `done()` detaches it (later signals are buffered again). */
export interface AttemptPipe {
  readonly pipe: SignalPipe;
  done(): void;
}

/** The paired session has no keys to seal its signaling with (a bug, never a peer's doing). */
export class MailboxUnavailableError extends LetheError {
  override readonly name = "MailboxUnavailableError";
}

export class SignalMailbox {
  private session: SignalingSession | undefined;
  /** Sealed signals waiting for the mailbox to open. */
  private readonly outgoing: Uint8Array[] = [];
  /** Opened signals waiting for a connect attempt. */
  private readonly buffered: Uint8Array[] = [];
  /** What the current attempt has posted (sealed), to post again if the peer comes back. */
  private sentThisAttempt: Uint8Array[] = [];
  private current: Subject<Uint8Array> | undefined;
  /** A sealed BYE for a mailbox that was not open yet when the session ended. */
  private farewell: Uint8Array | undefined;

  constructor(
    private readonly sc: SecureChannel,
    private readonly report: ErrorReporter,
    /** The peer ended the session (a sealed `bye` arrived). */
    private readonly onBye: (reason: EndReason) => void = () => undefined,
  ) {}

  /** The mailbox opened: flush what waited. */
  attach(session: SignalingSession): void {
    this.session = session;
    for (const s of this.outgoing.splice(0)) this.post(s);
  }

  /** A sealed blob from the mailbox. */
  receive(sealed: Uint8Array): void {
    if (this.sc.wiped) return;
    let bytes: Uint8Array;
    try {
      const envelope = decodeSignalEnvelope(this.sc.openSignal(sealed));
      if (envelope.kind === "bye") return this.onBye(decodeByeBody(envelope.bytes));
      bytes = envelope.bytes;
    } catch (e) {
      this.report(e, "signal");
      return;
    }
    if (this.current) this.current.next(bytes);
    else {
      this.buffered.push(bytes);
      if (this.buffered.length > MAX_BUFFERED_SIGNALS) this.buffered.shift();
    }
  }

  /** The peer re-opened its end on a new connection: post this attempt's signals again. */
  peerReturned(): void {
    for (const s of this.sentThisAttempt) this.post(s);
  }

  /** A pipe for one connect attempt, fed first with what arrived while nobody listened. */
  attempt(): AttemptPipe {
    this.sentThisAttempt = [];
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

  /**
   * Tell the peer the session ends, sealed (the wipe uses it when no channel is up). Sealed now,
   * before the keys go; posted now if the mailbox is open, else when it opens — even though the
   * session has ended by then (`takeFarewell`). Returns a promise that settles once posted or
   * given up, so the adapters are closed only after it.
   */
  sendBye(reason: EndReason, opened: Promise<SignalingSession | null>): Promise<void> {
    if (this.sc.wiped) return Promise.resolve();
    let sealed: Uint8Array;
    try {
      sealed = this.sc.sealSignal(encodeSignalEnvelope({ kind: "bye", bytes: encodeBye(reason) }));
    } catch (e) {
      this.report(e, "signaling");
      return Promise.resolve();
    }
    const session = this.session;
    if (session !== undefined) return session.send(sealed).catch((e: unknown) => void this.report(e, "signaling"));
    this.farewell = sealed;
    return opened.then(async (s) => {
      const bye = this.takeFarewell();
      if (s !== null && bye !== undefined) await s.send(bye);
    }).catch((e: unknown) => void this.report(e, "signaling"));
  }

  /** The BYE waiting for the mailbox to open (taken once). */
  takeFarewell(): Uint8Array | undefined {
    const f = this.farewell;
    this.farewell = undefined;
    return f;
  }

  /** Forget everything queued (the session ends); the session itself is closed by its owner. */
  clear(): void {
    this.outgoing.length = 0;
    this.buffered.length = 0;
    this.current?.complete();
    this.current = undefined;
    this.session = undefined;
    this.sentThisAttempt = [];
  }

  /** The mailbox's own stream failed (a signaling bug): reported. */
  failed(e: unknown): void {
    this.report(e, "signaling");
  }

  private send(bytes: Uint8Array): void {
    if (this.sc.wiped) return;
    let sealed: Uint8Array;
    try {
      sealed = this.sc.sealSignal(encodeSignalEnvelope({ kind: "transport", bytes }));
    } catch (e) {
      this.report(e, "signaling");
      return;
    }
    if (this.sentThisAttempt.length < MAX_BUFFERED_SIGNALS) this.sentThisAttempt.push(sealed);
    this.post(sealed);
  }

  private post(sealed: Uint8Array): void {
    if (this.session === undefined) {
      this.outgoing.push(sealed);
      return;
    }
    this.session.send(sealed).catch((e: unknown) => this.report(e, "signaling"));
  }
}

/**
 * The `signalMailbox` actor (invoked by the session while active): opens the private mailbox
 * for the paired session and keeps `scope.mailbox` for connect attempts; stopping it closes the
 * mailbox and forgets what was queued.
 */
export const signalMailboxActor = fromCallback(({ system }) => {
  const scope = scopeOf(system);
  const secure = scope.secure;
  if (secure === undefined) {
    scope.report(new MailboxUnavailableError("no keys for the signaling mailbox"), "signaling", { fatal: true });
    return undefined;
  }
  const mailbox = new SignalMailbox(secure.channel, scope.report, (reason) => scope.toSession({ type: "PEER_BYE", reason }));
  scope.mailbox = mailbox;
  let stopped = false;
  let session: SignalingSession | undefined;
  let messages: Subscription | undefined;
  let returns: Subscription | undefined;
  // The secure channel proves the pairing's keys in mailbox hellos others can see (the LAN).
  const opening = scope.signaling.mailbox(secure.channel.mailboxId, scope.role === "host" ? "host" : "join", { auth: secure.channel.mailboxAuth });
  // For a BYE posted after the end (the wipe came before the mailbox was open).
  scope.mailboxOpened = opening.then((s) => s, () => null);
  opening.then(
    (s) => {
      if (stopped) {
        // A BYE waiting for this mailbox goes out first (scope.farewell), then it closes.
        void Promise.resolve(scope.farewell).then(() => s.close()).catch(reportRejection(scope.report, "signaling"));
        return;
      }
      session = s;
      messages = s.messages$.subscribe(new MethodSink(mailbox, mailbox.receive, mailbox.failed));
      if (s.peerReturned$) returns = s.peerReturned$.subscribe(new MethodSink<void, SignalMailbox>(mailbox, mailbox.peerReturned, mailbox.failed));
      mailbox.attach(s);
    },
    (e: unknown) => {
      if (!stopped) scope.report(e, "signaling", { fatal: true });
    },
  );
  return () => {
    stopped = true;
    messages?.unsubscribe();
    returns?.unsubscribe();
    mailbox.clear();
    if (scope.mailbox === mailbox) scope.mailbox = undefined;
    session?.close().catch(reportRejection(scope.report, "signaling"));
  };
});
