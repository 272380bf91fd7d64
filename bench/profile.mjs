// `node bench/profile.mjs PROFILE.cpuprofile [dist/receiver/cli.mjs]`: where a receiver
// spent its busy time, by source file of the bundle (esbuild's "// path" comments) and
// by receiver function (inclusive). Profiles come from BENCH_CPU_PROF=DIR npm run bench.
import { readFileSync } from "node:fs";

const [file, bundle = "dist/receiver/cli.mjs"] = process.argv.slice(2);
if (!file) {
  console.error("usage: node bench/profile.mjs PROFILE.cpuprofile [BUNDLE]");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8"));

// Bundle line -> the source file esbuild put there.
const marks = [];
readFileSync(bundle, "utf8")
  .split("\n")
  .forEach((line, i) => {
    const m = /^\/\/ ((?:node_modules|receiver)\/\S+)$/.exec(line);
    if (m) marks.push([i, m[1]]);
  });
function sourceOf(line) {
  let found = "(bundle prelude)";
  for (let lo = 0, hi = marks.length - 1; lo <= hi;) {
    const mid = (lo + hi) >> 1;
    if (marks[mid][0] <= line) [found, lo] = [marks[mid][1], mid + 1];
    else hi = mid - 1;
  }
  return found;
}

const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const time = new Map();
profile.samples.forEach((id, i) =>
  time.set(id, (time.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
);

// node_modules/undici/lib/x.js -> undici; receiver files stay whole.
function group({ url, functionName, lineNumber }) {
  if (functionName === "(idle)") return undefined;
  if (url === "") return `native: ${functionName}`;
  if (!url.endsWith(bundle.split("/").pop())) return `node: ${url.replace(/^node:/, "")}`;
  const source = sourceOf(lineNumber);
  if (!source.startsWith("node_modules/")) return source;
  const parts = source.split("/");
  return parts[1].startsWith("@") ? `${parts[1]}/${parts[2]}` : parts[1];
}

let busy = 0;
const self = new Map();
const inclusive = new Map();
for (const [id, t] of time) {
  const g = group(nodes.get(id).callFrame);
  if (g === undefined) continue;
  busy += t;
  self.set(g, (self.get(g) ?? 0) + t);
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const frame = nodes.get(cur).callFrame;
    if (!frame.url.endsWith(bundle.split("/").pop())) continue;
    const source = sourceOf(frame.lineNumber);
    if (!source.startsWith("receiver/")) continue;
    const key = `${source} ${frame.functionName || "(anonymous)"}`;
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + t);
  }
}
const top = (map, n) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, t]) => `${((100 * t) / busy).toFixed(1).padStart(5)}%  ${k}`)
    .join("\n");
console.log(`busy ${(busy / 1e6).toFixed(2)} s (idle left out)`);
console.log(`--- self time by source, % of busy\n${top(self, 25)}`);
console.log(`--- inclusive time of receiver/ functions, % of busy\n${top(inclusive, 20)}`);
