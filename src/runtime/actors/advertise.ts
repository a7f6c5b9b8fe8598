/**
 * The `advertise` actor (invoked by the pairing machine): with a discovery adapter, the host
 * advertises its nameplate while pairing; stopping the actor (pairing over, or the session ends)
 * withdraws it. Without discovery, or on the joining side, it does nothing.
 */
import { fromCallback, type EventObject } from "xstate";
import type { Advertisement } from "../../adapters/discovery/types.js";
import type { PairingActorInput } from "../../machines/pairing.js";
import { reportRejection } from "../report.js";
import { scopeOf } from "../binding.js";

export const advertiseActor = fromCallback<EventObject, PairingActorInput>(({ input, system }) => {
  const scope = scopeOf(system);
  const discovery = scope.discovery;
  if (discovery === undefined || input.role !== "host" || input.nameplate === null) return undefined;
  let stopped = false;
  let ad: Advertisement | undefined;
  discovery.advertise({ nameplate: input.nameplate, ...scope.advertiseAt }).then(
    (a) => {
      if (stopped) a.withdraw().catch(reportRejection(scope.report, "discovery"));
      else ad = a;
    },
    reportRejection(scope.report, "discovery"),
  );
  return () => {
    stopped = true;
    ad?.withdraw().catch(reportRejection(scope.report, "discovery"));
  };
});
