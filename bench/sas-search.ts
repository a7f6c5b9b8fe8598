/**
 * The search for matching verification words, and what commit-then-reveal leaves it
 * (docs/threat-model.md "Verification words", docs/protocol.md §3).
 *
 * A man in the middle who knows the code runs one SPAKE2 session with each device; the words are
 * 32 bits of HKDF(K, th). The search (test/runtime/sas-grind.ts) picks her two scalars so that
 * both sessions give the same words — a birthday search, ~2^17 candidates — but it needs BOTH
 * devices' SPAKE2 messages before she fixes either of hers. This bench:
 *
 *  1. runs the pairing as the protocol orders it, Mallory in the middle following that order
 *     (she must, or the devices burn the code), and prints what she holds at the moment each of
 *     her messages is fixed: toward the phone (she is its host) nothing, toward the laptop (she
 *     is its joiner) only its 32-byte commitment. The search has nothing to search over; the
 *     words then match with probability 2^-32 per attempt, and `attempts` such runs (default
 *     2,000) show how often they did (expected: never);
 *  2. for reference, the cost the search had before commit-then-reveal, when the devices sent
 *     their SPAKE2 messages at once: here the two messages are handed to it directly (the
 *     protocol no longer hands them over), `runs` times (default 1; seconds of CPU each);
 *  3. the baseline: one honest pairing side (commitment + SPAKE2 + confirmation + key schedule
 *     + SAS) with noble. Times are CPU time of this process (process.cpuUsage()).
 *
 *   npx tsx bench/sas-search.ts [runs] [attempts]
 */
import { randomBytes } from "@noble/hashes/utils.js";
import { createKeyStore } from "../src/adapters/crypto/key-store.js";
import { createPairingHandshake, type PairingHandshake, type PairingRole } from "../src/adapters/crypto/pairing.js";
import { grindMatchingWords } from "../test/runtime/sas-grind.js";
import { cpuMsSince, median } from "./lib/stats.js";

const runs = Number(process.argv[2] ?? 1);
const attempts = Number(process.argv[3] ?? 2000);
const identity = new TextEncoder().encode("lethe/v1");
const code = () => new TextEncoder().encode(`7-${Buffer.from(randomBytes(6)).toString("hex")}`);
const start = (role: PairingRole, password: Uint8Array) => createPairingHandshake({ role, password: password.slice(), keyStore: createKeyStore() });

/** Host and joiner, in protocol order; returns the words both show (they must agree). */
function pair(host: PairingHandshake, join: PairingHandshake): string {
  join.acceptCommitment(host.commitment);
  const hostTag = host.receive(join.message);
  const joinTag = join.receive(host.message);
  host.confirm(joinTag);
  join.confirm(hostTag);
  const words = host.sas().join(" ");
  if (words !== join.sas().join(" ")) throw new Error("an honest pair disagrees");
  return words;
}

/** One honest side of a pairing, start to SAS: CPU ms. */
function honestSide(): number {
  const password = code();
  const peer = start("join", password);
  const t = process.cpuUsage();
  const us = start("host", password);
  peer.acceptCommitment(us.commitment);
  const ours = us.receive(peer.message);
  us.confirm(peer.receive(us.message));
  peer.confirm(ours);
  us.sas();
  return cpuMsSince(t);
}

/**
 * Mallory between a laptop (host) and a phone (joiner), in her best order: the phone's run first
 * (its words are known to her before she sends anything to the laptop), then the laptop's. What
 * each device had sent her when her message toward it was fixed is recorded.
 */
function attack(): { heldPhone: string[]; heldLaptop: string[]; match: boolean } {
  const password = code();
  const laptop = start("host", password);
  const phone = start("join", password);
  const towardPhone = start("host", password); // Mallory
  const towardLaptop = start("join", password); // Mallory
  // Phone's run: her commitment is fixed now, before the phone has sent anything.
  // What a device will hand out is what its handshake lets it read (PairingStateError otherwise).
  const readable = (get: () => Uint8Array) => {
    try {
      get();
      return true;
    } catch {
      return false;
    }
  };
  // Phone's run: her commitment goes first; at that moment the phone cannot produce its message.
  const heldPhone = readable(() => phone.message) ? ["pake"] : [];
  const phoneWords = pair(towardPhone, phone);
  // Laptop's run: the laptop committed; her message is fixed before it can reveal its own.
  const heldLaptop = ["commit", ...(readable(() => laptop.message) ? ["pake"] : [])];
  towardLaptop.acceptCommitment(laptop.commitment);
  const fixed = towardLaptop.message;
  const laptopTag = laptop.receive(fixed);
  const malloryTag = towardLaptop.receive(laptop.message); // the reveal, after
  laptop.confirm(malloryTag);
  towardLaptop.confirm(laptopTag);
  return { heldPhone, heldLaptop, match: laptop.sas().join(" ") === phoneWords };
}

/** The same search as before commit-then-reveal, given both devices' messages directly. */
function oldSearch(): { ms: number; candidates: number } {
  const password = code();
  // Joiner-side handshakes give their message once they hold any commitment; only the message
  // bytes are used, exactly what each device sent at once before commit-then-reveal.
  const message = () => {
    const hs = start("join", password);
    hs.acceptCommitment(new Uint8Array(32));
    return hs.message;
  };
  const t = process.cpuUsage();
  const found = grindMatchingWords({ password, identity, laptopMessage: message(), phoneMessage: message(), random: randomBytes });
  return { ms: cpuMsSince(t), candidates: found.candidates };
}

for (let i = 0; i < 20; i++) honestSide(); // warm-up
const honest: number[] = [];
for (let i = 0; i < 100; i++) honest.push(honestSide());

let matches = 0;
let held: { heldPhone: string[]; heldLaptop: string[] } | undefined;
const t0 = process.cpuUsage();
for (let i = 0; i < attempts; i++) {
  const r = attack();
  held ??= r;
  if (r.match) matches++;
}
const attackMs = cpuMsSince(t0);
console.log(`commit-then-reveal: when Mallory's message toward the phone is fixed she holds [${held!.heldPhone.join(", ")}] from it;`);
console.log(`  toward the laptop [${held!.heldLaptop.join(", ")}] (32 bytes, a hash): no device SPAKE2 message, so the search has nothing to search over`);
console.log(`  ${attempts} attacks in her best order: the words matched ${matches} times (expected ${attempts} × 2^-32 ≈ ${(attempts / 2 ** 32).toExponential(1)}); ${(attackMs / attempts).toFixed(2)} ms CPU per attempt, each one a visible pairing`);

const searches: Array<{ ms: number; candidates: number }> = [];
for (let r = 0; r < runs; r++) {
  const s = oldSearch();
  searches.push(s);
  console.log(`reference, before commit-then-reveal (messages handed over directly): ${s.candidates} candidates, ${(s.ms / 1000).toFixed(1)} s CPU`);
}
const honestMs = median(honest);
console.log(`honest pairing side (commitment + SPAKE2 + confirmation + SAS): median ${honestMs.toFixed(2)} ms CPU (${honest.length} runs)`);
if (searches.length > 0) {
  const perCandidateUs = median(searches.map((s) => (s.ms * 1000) / s.candidates));
  console.log(`that search: median ${(median(searches.map((s) => s.ms)) / 1000).toFixed(1)} s CPU, ${perCandidateUs.toFixed(1)} µs per candidate; it now has no input`);
}
