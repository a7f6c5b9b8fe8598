/**
 * The effects the machines ask for, carried out on the session's scope. They run inside the
 * actor's transitions, so none may throw into it: a failure is reported (source
 * `effect.<name>`) and the session goes on (or ends through the report, if fatal).
 *
 * `wipe` is the first thing of every ending: a sealed BYE if the peer should hear it (sent ahead
 * of the queue while the link is still up: XState stops the link after these actions; with no
 * link, through the sealed signaling mailbox), then every key buffer zeroed and the document
 * destroyed. `close` closes the adapters the engine was given.
 */
import { FrameType } from "../adapters/crypto/index.js";
import type { SessionEffects } from "../machines/implementations.js";
import { encodeBye } from "./codec.js";
import { reportRejection } from "./report.js";
import type { SessionScope } from "./scope.js";

const EMPTY = new Uint8Array(0);

export function sessionEffects(scope: SessionScope, closeAdapters: boolean): SessionEffects {
  const effects: SessionEffects = {
    wipe({ reason, notifyPeer }) {
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
    close() {
      if (!closeAdapters) return;
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
    startSync() {
      scope.syncAllowed$.next(true);
    },
    announceVerified() {
      scope.verifiedHere = true;
      scope.control$.next({ type: FrameType.VERIFIED, body: EMPTY });
    },
    sendPing() {
      scope.control$.next({ type: FrameType.PING, body: EMPTY });
    },
    sendRotate({ epoch }) {
      scope.secure?.rotation.send(epoch);
    },
    expireEpoch({ epoch }) {
      scope.secure?.rotation.expire(epoch);
    },
  };
  // Never throw into the actor: report, and let the session decide.
  for (const name of Object.keys(effects) as Array<keyof SessionEffects>) {
    const run = effects[name] as (p?: unknown) => void;
    (effects as unknown as Record<string, (p?: unknown) => void>)[name] = (params?: unknown) => {
      try {
        run(params);
      } catch (e) {
        scope.report(e, `effect.${name}`);
      }
    };
  }
  return effects;
}
