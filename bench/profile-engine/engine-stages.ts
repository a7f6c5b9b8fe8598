/**
 * Where one set's latency goes over werift: set -> channel.send (A) -> channel message (B) ->
 * observed on B, medians per stage.  npx tsx bench/profile-engine/engine-stages.ts
 */
import { createEnginePair } from "../lib/engine-pair.js";
import { installLoopbackGuard } from "../lib/net-guard.js";
import { median, nowMs } from "../lib/stats.js";
import { WeriftChannel } from "../../src/adapters/transport/werift/channel.js";

installLoopbackGuard();
let tSend = 0;
let tRecv = 0;
const proto = WeriftChannel.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
const send = proto["send"]!;
proto["send"] = function (this: unknown, ...a: unknown[]) {
  if (tSend === 0) tSend = nowMs();
  return send.apply(this, a);
};
const onMessage = proto["onMessage"]!;
proto["onMessage"] = function (this: unknown, ...a: unknown[]) {
  if (tRecv === 0) tRecv = nowMs();
  return onMessage.apply(this, a);
};

const pair = await createEnginePair({ transport: "werift", aead: "node" });
const ma = pair.docs.a.getMap<string>("p");
const mb = pair.docs.b.getMap<string>("p");
for (let r = 0; r < 3; r++) {
  const s1: number[] = [], s2: number[] = [], s3: number[] = [], s4: number[] = [];
  for (let i = 0; i < 400; i++) {
    const v = `r${r}-${i}`;
    let tObs = 0;
    const seen = new Promise<void>((res) => {
      const f = () => {
        if (mb.get("k") === v) {
          tObs = nowMs();
          mb.unobserve(f);
          res();
        }
      };
      mb.observe(f);
    });
    tSend = 0;
    tRecv = 0;
    const t0 = nowMs();
    ma.set("k", v);
    await seen;
    const t4 = nowMs();
    s1.push(tSend - t0);
    s2.push(tRecv - tSend);
    s3.push(tObs - tRecv);
    s4.push(t4 - t0);
  }
  console.log(`set->send ${median(s1).toFixed(3)}  send->B msg ${median(s2).toFixed(3)}  B msg->observed ${median(s3).toFixed(3)}  total ${median(s4).toFixed(3)} ms`);
}
await pair.close();
process.exit(0);
