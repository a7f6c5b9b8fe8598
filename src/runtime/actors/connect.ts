/**
 * The `connect` actor (invoked by the connection machine for each attempt): asks the transport
 * for one channel over a pipe of the sealed signaling mailbox. The hosting device offers. The
 * opened channel waits in `scope.channels` under its id, and the handle is the actor's output
 * (the machine keeps handles, never channels). Stopping the actor (the attempt timed out, the
 * session ended) aborts the attempt; a channel that opens after that is closed at once. A
 * timed-out attempt is reported as ConnectTimeoutError (source `transport`).
 */
import { fromPromise } from "xstate";
import type { ConnectOutput } from "../../machines/protocol.js";
import { ConnectAbortedError, NoPathError } from "../../adapters/transport/types.js";
import { ConnectTimeoutError } from "../errors.js";
import { scopeOf } from "../binding.js";
import { parkChannel } from "../scope.js";

export const connectActor = fromPromise<ConnectOutput, { attempt: number }>(async ({ input, signal, system }) => {
  const scope = scopeOf(system);
  const mailbox = scope.mailbox;
  if (mailbox === undefined) {
    const e = new ConnectAbortedError("no signaling mailbox to connect through");
    scope.report(e, "transport");
    throw e;
  }
  // A reconnect may follow a network change: have the signaling check its own connection first.
  if (input.attempt > 1) scope.signaling.checkConnection?.();
  const { pipe, done } = mailbox.attempt();
  try {
    const channel = await scope.transport.connect({ role: scope.role === "host" ? "offerer" : "answerer", signals: pipe, signal });
    if (signal.aborted) {
      channel.close();
      throw new ConnectAbortedError("the attempt was abandoned before the channel opened");
    }
    parkChannel(scope, channel);
    return { channelId: channel.id };
  } catch (e) {
    // Stopped while connecting: by the connection's `connectTimeout` delay, unless the session is
    // ending. A transport that can tell why (ICE found no path: NoPathError) says so instead.
    if (!signal.aborted) scope.report(e, "transport");
    else if (!scope.ending) scope.report(e instanceof NoPathError ? e : new ConnectTimeoutError("no channel within connectTimeoutMs"), "transport");
    throw e;
  } finally {
    done();
  }
});
