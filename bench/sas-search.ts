/**
 * What it costs a man in the middle who knows the code to make both devices show the same
 * verification words (docs/threat-model.md "Verification words"; the search is
 * test/runtime/sas-grind.ts). Each run takes two fresh honest SPAKE2 messages (the two devices'),
 * searches Mallory's two scalars until her two sessions give the same 32-bit SAS, and checks the
 * result with the real handshake (createPairingHandshake with those scalars against the devices).
 * The baseline, measured in the same run: one honest pairing side (SPAKE2 + confirmation + key
 * schedule + SAS) with noble. Times are CPU time of this process (process.cpuUsage()).
 *
 *   npx tsx bench/sas-search.ts [runs]     (default 3; each search is seconds of CPU)
 */
import { randomBytes } from "@noble/hashes/utils.js";
import { createKeyStore } from "../src/adapters/crypto/key-store.js";
import { createPairingHandshake } from "../src/adapters/crypto/pairing.js";
import { fixedScalar, grindMatchingWords } from "../test/runtime/sas-grind.js";

const runs = Number(process.argv[2] ?? 3);
const identity = new TextEncoder().encode("lethe/v1");
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const code = () => new TextEncoder().encode(`7-${Buffer.from(randomBytes(6)).toString("hex")}`);

/** One honest side of a pairing, start to SAS: CPU ms. */
function honestSide(): number {
  const password = code();
  const peer = createPairingHandshake({ password: password.slice(), keyStore: createKeyStore() });
  const t = cpu();
  const us = createPairingHandshake({ password: password.slice(), keyStore: createKeyStore() });
  const ours = us.receive(peer.message);
  us.confirm(peer.receive(us.message));
  peer.confirm(ours);
  us.sas();
  return cpu() - t;
}

/** Mallory's session with one device, started from the scalar the search chose. */
function pairWith(password: Uint8Array, device: ReturnType<typeof createPairingHandshake>, scalar: bigint): readonly string[] {
  const mallory = createPairingHandshake({ password: password.slice(), keyStore: createKeyStore(), random: fixedScalar(scalar) });
  const hers = mallory.receive(device.message);
  mallory.confirm(device.receive(mallory.message));
  device.confirm(hers);
  const words = device.sas();
  if (words.join() !== mallory.sas().join()) throw new Error("device and Mallory disagree");
  return words;
}

const honest: number[] = [];
for (let i = 0; i < 20; i++) honestSide(); // warm-up
const searches: Array<{ ms: number; candidates: number }> = [];
for (let r = 0; r < runs; r++) {
  for (let i = 0; i < 30; i++) honest.push(honestSide()); // interleaved with the searches
  const password = code();
  const laptop = createPairingHandshake({ password: password.slice(), keyStore: createKeyStore() });
  const phone = createPairingHandshake({ password: password.slice(), keyStore: createKeyStore() });
  const t = cpu();
  const found = grindMatchingWords({ password, identity, laptopMessage: laptop.message, phoneMessage: phone.message, random: randomBytes });
  const ms = cpu() - t;
  const onLaptop = pairWith(password, laptop, found.laptopScalar);
  const onPhone = pairWith(password, phone, found.phoneScalar);
  if (onLaptop.join(" ") !== onPhone.join(" ")) throw new Error("the devices show different words");
  searches.push({ ms, candidates: found.candidates });
  console.log(`run ${r + 1}: ${found.candidates} candidates, ${(ms / 1000).toFixed(1)} s CPU; both devices show "${onLaptop.join(" ")}"`);
}
const honestMs = median(honest);
const searchMs = median(searches.map((s) => s.ms));
const perCandidateUs = median(searches.map((s) => (s.ms * 1000) / s.candidates));
console.log(`honest pairing side (SPAKE2 + confirmation + SAS): median ${honestMs.toFixed(2)} ms CPU (${honest.length} runs)`);
console.log(`search for matching words: median ${(searchMs / 1000).toFixed(1)} s CPU over ${runs} runs, ${perCandidateUs.toFixed(1)} µs per candidate`);
console.log(`one candidate = ${((perCandidateUs / 1000 / honestMs) * 100).toFixed(1)} % of an honest side; the whole search = ${Math.round(searchMs / honestMs)} honest sides`);
