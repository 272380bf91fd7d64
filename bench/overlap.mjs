// Overlap: the same deploys under the same steady load, once with `strategy: hold` and
// once with `strategy: overlap`, of an app that takes about 50 ms to start. Figures:
// holdMs as the receiver reports it, requests that failed, and the slowest request the
// clients saw (a hold shows up there as waiting time). BENCH_OVERLAP_DEPLOYS sets the
// deploys per strategy (default 7).
import { Agent, request } from "node:http";
import { eachApp } from "./hold.mjs";
import { deploy, stats, waitFor } from "./lib.mjs";

const DEPLOYS = Number(process.env.BENCH_OVERLAP_DEPLOYS ?? 7);
const START_MS = 50;
const CLIENTS = 4;

const slowStartApp = (build) => `#!/usr/bin/env node
// overlap bench app, build ${build}
const http = require("node:http");
const server = http.createServer((req, res) => res.end(req.url === "/health" ? "ok" : "${build}\\n"));
setTimeout(() => server.listen(Number(process.env.PORT), "127.0.0.1"), ${START_MS});
process.on("SIGTERM", () => { server.close(); process.exit(0); });
`;

// Clients that send one request after another on keep-alive connections until stopped,
// and keep every latency and every failure.
function steadyLoad(url) {
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const latencies = [];
  const failures = [];
  let running = true;
  const once = () =>
    new Promise((resolve) => {
      const started = performance.now();
      request(url, { agent }, (res) => {
        res.resume();
        res.on("end", () => {
          if (res.statusCode === 200) latencies.push(performance.now() - started);
          else failures.push(`HTTP ${res.statusCode}`);
          resolve();
        });
      })
        .on("error", (error) => resolve(failures.push(error.code ?? error.message)))
        .end();
    });
  const clients = Array.from({ length: CLIENTS }, async () => {
    while (running) await once();
  });
  return {
    latencies,
    async stop() {
      running = false;
      await Promise.all(clients);
      agent.destroy();
      const sorted = [...latencies].sort((a, b) => a - b);
      const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
      return {
        answered: sorted.length,
        failed: failures.length,
        failures,
        p99Ms: at(0.99),
        maxMs: sorted.at(-1),
      };
    },
  };
}

async function deploysUnderLoad(rx, app, builds) {
  await deploy(rx.api, app, builds[1]); // not counted: warms the receiver's code paths
  const load = steadyLoad(`${rx.gate(app)}/`);
  await waitFor(`${app} traffic`, () => load.latencies.length >= 100);
  const runs = [];
  let client;
  try {
    for (let i = 0; i < DEPLOYS; i++) {
      const { result } = await deploy(rx.api, app, builds[i % 2]);
      runs.push({ holdMs: result.holdMs, durationMs: result.durationMs });
    }
  } finally {
    client = await load.stop();
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
  return { startMs: START_MS, clients: CLIENTS, ...result };
}
