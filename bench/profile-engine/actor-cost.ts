/**
 * What one pulse costs in the session actor alone: ACTIVITY / PEER_MESSAGE_OK sent N times to
 * a session in active.connected (no runtime around it).  npx tsx bench/profile-engine/actor-cost.ts
 */
import { createActor } from "xstate";
import { sessionMachine } from "../../src/machines/session.js";
import { nowMs } from "../lib/stats.js";

const actor = createActor(sessionMachine, { input: { timings: {} } });
actor.on("*", () => {});
actor.start();
for (const e of [{ type: "START", role: "host" }, { type: "CODE_READY", nameplate: "7" }, { type: "PAKE_OK" }, { type: "CHANNEL_OPEN", channelId: "c" }]) actor.send(e as never);
console.log(JSON.stringify(actor.getSnapshot().value));
for (const type of ["ACTIVITY", "PEER_MESSAGE_OK", "ACTIVITY"] as const) {
  const n = 20_000;
  const t = nowMs();
  for (let i = 0; i < n; i++) actor.send({ type });
  console.log(`${type}: ${(((nowMs() - t) * 1000) / n).toFixed(1)} µs per event`);
}
actor.stop();
process.exit(0);
