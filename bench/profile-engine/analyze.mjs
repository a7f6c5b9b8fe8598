// Inclusive time per function, and the callers of one function: node bench/profile-engine/analyze.mjs file [fnName]
import { readFileSync } from "node:fs";
const [file, focus] = process.argv.slice(2);
const p = JSON.parse(readFileSync(file, "utf8"));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map();
p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const key = (n) => `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.replace(/.*node_modules\//, "").replace(/.*\/main\//, "")}:${n.callFrame.lineNumber + 1}:${n.callFrame.columnNumber + 1}`;
const incl = new Map();
const callers = new Map();
for (const [id, us] of self) {
  const seen = new Set();
  let n = byId.get(id);
  while (n) {
    const k = key(n);
    if (!seen.has(k)) { seen.add(k); incl.set(k, (incl.get(k) ?? 0) + us); }
    const pid = parent.get(n.id);
    if (focus && n.callFrame.functionName === focus && pid !== undefined) {
      let q = byId.get(pid); const chain = [];
      for (let i = 0; i < 6 && q; i++) { chain.push(key(q)); q = byId.get(parent.get(q.id)); }
      const ck = chain.join(" <- ");
      callers.set(ck, (callers.get(ck) ?? 0) + us);
    }
    n = pid === undefined ? undefined : byId.get(pid);
  }
}
const top = (m, k) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).forEach(([n, us]) => console.log(`${(100 * us / total).toFixed(1).padStart(5)}% ${(us / 1000).toFixed(0).padStart(6)} ms ${n}`));
if (focus) top(callers, 15); else top(incl, 70);
