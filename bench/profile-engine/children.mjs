// Inclusive time of the callees (depth 1..2) under every frame of a function: node children.mjs file fnName[:line]
import { readFileSync } from "node:fs";
const [file, focus, depthArg] = process.argv.slice(2);
const depth = Number(depthArg ?? 1);
const p = JSON.parse(readFileSync(file, "utf8"));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map();
p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const key = (n) => `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.replace(/.*node_modules\//, "").replace(/.*\/main\//, "")}:${n.callFrame.lineNumber + 1}:${n.callFrame.columnNumber + 1}`;
const inclMemo = new Map();
const incl = (n) => { if (inclMemo.has(n.id)) return inclMemo.get(n.id); let s = self.get(n.id) ?? 0; for (const c of n.children ?? []) s += incl(byId.get(c)); inclMemo.set(n.id, s); return s; };
const out = new Map(); let tot = 0;
const matches = (n) => { const k = key(n); return k.startsWith(focus + " ") || k.includes(focus); };
const walk = (n, inFocus) => {
  if (!inFocus && matches(n)) { tot += incl(n); out.set("(self)", (out.get("(self)") ?? 0) + (self.get(n.id) ?? 0));
    const rec = (m, d, prefix) => { for (const c of m.children ?? []) { const cn = byId.get(c); const k = prefix + key(cn); out.set(k, (out.get(k) ?? 0) + incl(cn)); if (d < depth) rec(cn, d + 1, k + " > "); } };
    rec(n, 1, ""); return; }
  for (const c of n.children ?? []) walk(byId.get(c), inFocus);
};
walk(p.nodes[0], false);
console.log(`${focus}: ${(tot / 1000).toFixed(0)} ms (${(100 * tot / total).toFixed(1)}%)`);
[...out].sort((a, b) => b[1] - a[1]).slice(0, 30).forEach(([k, us]) => console.log(`${(us / 1000).toFixed(0).padStart(6)} ms ${k}`));
