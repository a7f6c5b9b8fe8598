/**
 * The effects the machines ask for, carried out on the session's scope. They run inside the
 * actor's transitions, so none may throw into it: a failure is reported (source
 * `effect.<name>`) and the session goes on (or ends through the report, if fatal).
 *
 * `wipe` is the first thing of every ending: a sealed BYE if the peer should hear it (sent ahead
 * of the queue while the link is still up: XState stops the link after these actions; with no
 * link, through the sealed signaling mailbox), then every key buffer zeroed and the document
 * destroyed. `close` closes the adapters the engine was given (unless `closeAdapters: false`).
 */
import { FrameType } from "../adapters/crypto/index.js";
import type { EffectOrigin, SessionEffects } from "../machines/implementations.js";
import { scopeOf } from "./binding.js";
import { encodeBye } from "./codec.js";
import { reportRejection } from "./report.js";
import type { SessionScope } from "./scope.js";

const EMPTY = new Uint8Array(0);

type EffectBodies = { [K in keyof SessionEffects]: (scope: SessionScope, params: Parameters<SessionEffects[K]>[0]) => void };

const bodies: EffectBodies = {
  wipe(scope, { reason, notifyPeer }) {
    scope.ending = true;
    // Over the channel if one is up, else through the sealed mailbox (paired, not yet connected).
    if (notifyPeer && scope.link?.sendNow(FrameType.BYE, encodeBye(reason)) !== true && scope.mailbox && scope.mailboxOpened) {
      scope.farewell = scope.mailbox.sendBye(reason, scope.mailboxOpened);
    }
    scope.syncAllowed$.next(false);
    scope.ticket?.password.fill(0);
    scope.ticket = undefined;
    scope.mailbox?.clear();
    scope.secure?.rotation.clear();
    scope.secure?.channel.wipe();
    scope.keyStore.wipe();
    scope.crdt.destroy();
  },
  close(scope) {
    if (!scope.closeAdapters) return;
    const failed = reportRejection(scope.report, "close");
    // Kept: `ended` resolves once these settle, so a host that exits right after it does not
    // cut off what the transport is still delivering (the BYE; bounded by its close contract).
    // Signaling closes after a BYE still on its way through the mailbox (bounded by the
    // adapter's own timeouts for opening the mailbox and posting).
    scope.closing = Promise.all([
      scope.transport.close().catch(failed),
      Promise.resolve(scope.farewell).then(() => scope.signaling.close()).catch(failed),
      scope.discovery?.close().catch(failed),
    ]).then(() => undefined);
  },
  startSync(scope) {
    scope.syncAllowed$.next(true);
  },
  announceVerified(scope) {
    scope.verifiedHere = true;
    scope.control$.next({ type: FrameType.VERIFIED, body: EMPTY });
  },
  sendPing(scope) {
    scope.control$.next({ type: FrameType.PING, body: EMPTY });
  },
  sendRotate(scope, { epoch }) {
    scope.secure?.rotation.send(epoch);
  },
  expireEpoch(scope, { epoch }) {
    scope.secure?.rotation.expire(epoch);
  },
};

/** Never throws into the actor: a failure is reported, and the session decides. */
function guarded<K extends keyof SessionEffects>(name: K): SessionEffects[K] {
  const body = bodies[name] as (scope: SessionScope, params: unknown) => void;
  return ((params: unknown, { system }: EffectOrigin) => {
    const scope = scopeOf(system);
    try {
      body(scope, params);
    } catch (e) {
      scope.report(e, `effect.${name}`);
    }
  }) as SessionEffects[K];
}

/** The effects of every engine's session; each runs on the scope of the session that asked. */
export const sessionEffects: SessionEffects = {
  wipe: guarded("wipe"),
  close: guarded("close"),
  startSync: guarded("startSync"),
  announceVerified: guarded("announceVerified"),
  sendPing: guarded("sendPing"),
  sendRotate: guarded("sendRotate"),
  expireEpoch: guarded("expireEpoch"),
};
