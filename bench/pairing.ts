/**
 * Pairing cost per side: SPAKE2 (start + finish) + key confirmation (tag, check) + key schedule
 * (root_0, epoch-0 traffic keys, signal keys, mailbox id, SAS), then opening the secure channel.
 * Both sides run in this one process; each side's steps are timed on their own with
 * process.cpuUsage() (CPU time of this process, so other load on a shared machine does not
 * inflate it the way wall time would). A baseline of bare noble edwards25519 multiplications is
 * measured in the same run, interleaved, so the numbers can be compared across machines.
 *
 *   npx tsx bench/pairing.ts [runs]
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { nobleAead } from "../src/adapters/crypto/aead.js";
import { createKeyStore } from "../src/adapters/crypto/key-store.js";
import { createPairingHandshake } from "../src/adapters/crypto/pairing.js";
import { createSecureChannel } from "../src/adapters/crypto/secure-channel.js";
import { startSymmetric } from "../src/adapters/crypto/spake2.js";

const runs = Number(process.argv[2] ?? 200);
const warmup = 20;
const Point = ed25519.Point;
const L = Point.Fn.ORDER;
const password = new TextEncoder().encode("7-crossover-clockwork");
const identity = new TextEncoder().encode("lethe/v1");

const scalar = (): bigint => {
  const b = randomBytes(64);
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return (n % (L - 1n)) + 1n;
};
/** CPU milliseconds used by this process so far (user + system). */
const now = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] as number;

type Sample = { spake: number; confirm: number; schedule: number; total: number };

function onePairing(): [Sample, Sample] {
  const side = () => ({ store: createKeyStore(), t: { spake: 0, confirm: 0, schedule: 0, total: 0 } as Sample });
  const A = side();
  const B = side();
  let t = now();
  const ha = createPairingHandshake({ role: "host", password: password.slice(), keyStore: A.store }); // taken over and zeroed
  A.t.spake += now() - t;
  t = now();
  const hb = createPairingHandshake({ role: "join", password: password.slice(), keyStore: B.store });
  B.t.spake += now() - t;
  // receive = SPAKE2 finish + transcript hash + confirmation keys + our tag; split the SPAKE2
  // part out by timing a bare finish the same way below (spakeOnly).
  hb.acceptCommitment(ha.commitment); // commit-then-reveal; the hash was made with ha's message
  t = now();
  const tagA = ha.receive(hb.message);
  A.t.confirm += now() - t;
  t = now();
  const tagB = hb.receive(ha.message);
  B.t.confirm += now() - t;
  t = now();
  ha.confirm(tagB); // tag check + root_0 + epoch-0/signal keys + mailbox + SAS
  const ca = createSecureChannel({ keyStore: A.store, aead: nobleAead });
  A.t.schedule += now() - t;
  t = now();
  hb.confirm(tagA);
  const cb = createSecureChannel({ keyStore: B.store, aead: nobleAead });
  B.t.schedule += now() - t;
  if (ca.mailboxId !== cb.mailboxId) throw new Error("pairing disagreed");
  ca.wipe();
  cb.wipe();
  for (const s of [A.t, B.t]) s.total = s.spake + s.confirm + s.schedule;
  return [A.t, B.t];
}

/** Bare SPAKE2 finish (to split "receive" into SPAKE2 and confirmation). */
function spakeFinishOnly(): number {
  const a = startSymmetric(password, identity);
  const b = startSymmetric(password, identity);
  const t = now();
  a.finish(b.message);
  return now() - t;
}

const base: number[] = [];
const arbitrary: number[] = [];
const finishOnly: number[] = [];
const samples: Sample[] = [];
const P = Point.BASE.multiply(scalar());
const cpu0 = process.cpuUsage();
let pairingsCpu = 0;
for (let i = 0; i < warmup + runs; i++) {
  let t = now();
  Point.BASE.multiply(scalar());
  const tb = now() - t;
  t = now();
  P.multiply(scalar());
  const ta = now() - t;
  const f = spakeFinishOnly();
  const c = process.cpuUsage();
  const pair = onePairing();
  const d = process.cpuUsage(c);
  if (i >= warmup) {
    base.push(tb);
    arbitrary.push(ta);
    finishOnly.push(f);
    samples.push(...pair);
    pairingsCpu += (d.user + d.system) / 1000;
  }
}
const cpuAll = process.cpuUsage(cpu0);

const ms = (x: number) => x.toFixed(3);
const row = (name: string, xs: number[]) => `| ${name.padEnd(58)} | ${ms(median(xs)).padStart(7)} | ${ms(pct(xs, 0.1)).padStart(7)} | ${ms(pct(xs, 0.9)).padStart(7)} |`;
const spakeStart = samples.map((s) => s.spake);
const receive = samples.map((s) => s.confirm);
const schedule = samples.map((s) => s.schedule);
const total = samples.map((s) => s.total);
const mBase = median(base);

console.log(`pairing CPU cost per side (process.cpuUsage, ms), ${runs} pairings (${samples.length} side samples), ${warmup} warm-up; node ${process.version}`);
console.log("");
console.log(`| ${"step (one side)".padEnd(58)} | ${"median".padStart(7)} | ${"p10".padStart(7)} | ${"p90".padStart(7)} |`);
console.log(`|${"-".repeat(60)}|${"-".repeat(9)}|${"-".repeat(9)}|${"-".repeat(9)}|`);
console.log(row("baseline: noble Point.BASE.multiply (ms)", base));
console.log(row("baseline: noble P.multiply, arbitrary point (ms)", arbitrary));
console.log(row("SPAKE2 start (w, x, x·B + w·S) (ms)", spakeStart));
console.log(row("receive: SPAKE2 finish + confirm keys + our tag (ms)", receive));
console.log(row("  of which bare SPAKE2 finish (ms)", finishOnly));
console.log(row("confirm: tag check + key schedule + open channel (ms)", schedule));
console.log(row("TOTAL per side: SPAKE2 + confirmation + key schedule (ms)", total));
console.log("");
console.log(`per side in base-point multiplications: ${(median(total) / mBase).toFixed(2)}x`);
console.log(`mean CPU per side over whole pairings: ${(pairingsCpu / samples.length).toFixed(3)} ms (incl. GC)`);
console.log(`whole run CPU: ${((cpuAll.user + cpuAll.system) / 1000).toFixed(0)} ms`);
