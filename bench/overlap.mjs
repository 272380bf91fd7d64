// Overlap: the same deploys under the same open-model load (requests arrive at a fixed
// rate, so a request held by a swap counts with its whole wait), once with `strategy: hold`
// and once with `strategy: overlap`, of an app that takes about 50 ms to start. Figures:
// holdMs as the receiver reports it, requests that failed, and the slowest request the
// clients saw (a hold shows up there as waiting time). BENCH_OVERLAP_DEPLOYS sets the
// deploys per strategy (default 7), BENCH_OVERLAP_RATE the arrivals per second (default 200).
import { failure, loadReport, openLoad } from "../test/load/open-load.mjs";
import { eachApp } from "./hold.mjs";
import { deploy, stats, waitFor } from "./lib.mjs";

const DEPLOYS = Number(process.env.BENCH_OVERLAP_DEPLOYS ?? 7);
const RATE = Number(process.env.BENCH_OVERLAP_RATE ?? 200);
const START_MS = 50;

// Answers GET / with its build's name and a newline, as the load expects of GET /.
const slowStartApp = (build) => `#!/usr/bin/env node
// overlap bench app, build ${build}
const http = require("node:http");
const server = http.createServer((req, res) => res.end(req.url === "/health" ? "ok" : "${build}\\n"));
setTimeout(() => server.listen(Number(process.env.PORT), "127.0.0.1"), ${START_MS});
process.on("SIGTERM", () => { server.close(); process.exit(0); });
`;

// The load's figures: what failed, and the latency of the requests that were answered.
function figures(samples) {
  const report = loadReport(samples);
  const sorted = samples
    .filter((s) => failure(s) === undefined)
    .map((s) => s.latencyMs)
    .sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return {
    answered: sorted.length,
    failed: report.failed,
    failures: report.failures,
    examples: report.examples,
    p99Ms: at(0.99),
    maxMs: sorted.at(-1),
  };
}

async function deploysUnderLoad(rx, app, builds) {
  await deploy(rx.api, app, builds[1]); // not counted: warms the receiver's code paths
  const load = openLoad({ url: rx.gate(app), rate: RATE });
  const runs = [];
  let client;
  try {
    await waitFor(`${app} traffic`, () => load.samples.length >= 100);
    for (let i = 0; i < DEPLOYS; i++) {
      const { result } = await deploy(rx.api, app, builds[i % 2]);
      runs.push({ holdMs: result.holdMs, durationMs: result.durationMs });
    }
  } finally {
    client = figures(await load.stop());
  }
  return {
    deploys: runs.length,
    holdMs: stats(runs.map((r) => r.holdMs)),
    durationMs: stats(runs.map((r) => r.durationMs)),
    ...client,
    runs,
  };
}

export async function benchOverlap() {
  const apps = {
    hold: { instances: 2, strategy: "hold" },
    overlap: { instances: 2, strategy: "overlap" },
  };
  const result = await eachApp("overlap", slowStartApp, apps, deploysUnderLoad);
  return { startMs: START_MS, rate: RATE, ...result };
}
