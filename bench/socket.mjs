// Socket mode against proxy mode under swaps (issue 16): the same deploys of the same
// well-behaved app under the same open-model load, in both gate modes, with fresh
// connections and with keep-alive clients. Figures: requests sent, failed (and how),
// p99 and slowest answer. BENCH_SOCKET_SWAPS (default 20) deploys per case,
// BENCH_SOCKET_RATE (default 500) arrivals per second.
import { failure, loadReport, openLoad } from "../test/load/open-load.mjs";
import { eachApp } from "./hold.mjs";
import { deploy, waitFor } from "./lib.mjs";

const SWAPS = Number(process.env.BENCH_SOCKET_SWAPS ?? 20);
const RATE = Number(process.env.BENCH_SOCKET_RATE ?? 500);

// Answers GET / with its build's name, as the load expects. On fd 3 in socket mode
// (LISTEN_FDS), else on PORT. At SIGTERM it stops the way that keeps keep-alive clients
// safe: no more accepts, each open connection closed after its next answer (with
// Connection: close), idle ones left to Node's keep-alive timeout (5 s, advertised in
// Keep-Alive: timeout=5, which clients honour), exit once none is left (behind the
// proxy, idle ones at once: they are the gate's, which sends them nothing more).
export const wellBehavedApp = (build) => `#!/usr/bin/env node
// socket bench app, build ${build}
const http = require("node:http");
const server = http.createServer((req, res) => {
  if (stopping) res.shouldKeepAlive = false;
  let length = 0;
  req.on("data", (chunk) => (length += chunk.length));
  req.on("end", () => res.end(req.url === "/health" ? "ok" : "${build}" + (length ? " " + length : "") + "\\n"));
});
let stopping = false;
const open = new Set();
server.on("connection", (c) => { open.add(c); c.on("close", () => { open.delete(c); if (stopping && open.size === 0) process.exit(0); }); });
if (process.env.LISTEN_FDS === "1") server.listen({ fd: 3 });
else server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => {
  stopping = true;
  require("node:net").Server.prototype.close.call(server);
  // Behind the proxy, idle connections are the gate's, which sends them nothing more.
  if (process.env.LISTEN_FDS !== "1") server.closeIdleConnections();
  if (open.size === 0) process.exit(0);
  setTimeout(() => process.exit(0), 8000).unref(); // past the keep-alive timeout (5 s)
});
`;

async function swapsUnderLoad(rx, app, builds, keepAliveShare) {
  await deploy(rx.api, app, builds[0]); // not counted: warms the receiver's code paths
  const load = openLoad({
    url: rx.gate(app),
    rate: RATE,
    mix: { get: 3, post: 1 },
    keepAliveShare,
  });
  let samples;
  try {
    await waitFor(`${app} traffic`, () => load.samples.length >= 100);
    for (let i = 1; i <= SWAPS; i++) {
      const { result } = await deploy(rx.api, app, builds[i % 2]);
      if (!result?.ok) throw new Error(`${app}: deploy ${i} failed: ${JSON.stringify(result)}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    samples = await load.stop();
  }
  const report = loadReport(samples);
  const answered = samples
    .filter((s) => failure(s) === undefined)
    .map((s) => s.latencyMs)
    .sort((a, b) => a - b);
  return {
    swaps: SWAPS,
    sent: report.sent,
    failed: report.failed,
    failures: report.failures,
    p99Ms: answered[Math.min(answered.length - 1, Math.floor(0.99 * answered.length))],
    maxMs: answered.at(-1),
  };
}

export async function benchSocket() {
  const gate = (mode) => ({ gate: { listen: "127.0.0.1:0", mode }, instances: 2 });
  const apps = {
    proxyFresh: gate("proxy"),
    proxyKeepAlive: gate("proxy"),
    socketFresh: gate("socket"),
    socketKeepAlive: gate("socket"),
    // The old servers wait for their keep-alive clients' next request before they exit;
    // with strategy overlap the new ones accept meanwhile.
    socketOverlapKeepAlive: { ...gate("socket"), strategy: "overlap" },
  };
  const result = await eachApp("socket", wellBehavedApp, apps, (rx, app, builds) =>
    swapsUnderLoad(rx, app, builds, app.endsWith("KeepAlive") ? 1 : 0),
  );
  return { rate: RATE, ...result };
}
