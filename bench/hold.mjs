// Hold: how long a deploy keeps requests on hold, split into the swap's steps, versus
// how long the app itself needs from start to healthy. The difference is what the
// receiver's orchestration costs (drain, stop, rename, health polling, bookkeeping).
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { deploy, freePort, stats, stopProcess, withReceiver, writeExecutable } from "./lib.mjs";

const DEPLOYS = Number(process.env.BENCH_HOLD_DEPLOYS ?? 7);
const STEPS = ["hold", "unload", "swap", "reload", "release"];

// Listens on the next turn of the event loop: its start is node's own start and no more.
const quickApp = (build) => `#!/usr/bin/env node
// hold bench app, build ${build}
const http = require("node:http");
const server = http.createServer((req, res) => res.end(req.url === "/health" ? "ok" : "${build}\\n"));
setTimeout(() => server.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("listening")), 0);
process.on("SIGTERM", () => process.exit(0));
`;

function healthy(port) {
  return new Promise((resolve) => {
    request({ host: "127.0.0.1", port, path: "/health", agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    })
      .on("error", () => resolve(false))
      .end();
  });
}

// The app's own start-to-healthy time: `copies` of it spawned at once as the receiver
// spawns them, until each one's /health answers 200. /health is polled from the moment
// the app prints that it listens: polling from the spawn at 1 ms intervals competes for
// the CPU with the starting app and made it measurably slower on a 2-core machine.
async function ownStart(exe, copies) {
  const ports = await Promise.all(Array.from({ length: copies }, () => freePort()));
  const started = performance.now();
  const children = ports.map((port) =>
    spawn(exe, [], {
      env: { ...process.env, PORT: String(port) },
      stdio: ["ignore", "pipe", "ignore"],
    }),
  );
  try {
    const deadline = Date.now() + 10_000;
    await Promise.all(
      ports.map(async (port, i) => {
        await new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error("app not listening after 10 s")), 10_000);
          children[i].stdout.once("data", () => resolve(clearTimeout(timer)));
          children[i].once("exit", () => reject(new Error("app exited before listening")));
        });
        while (!(await healthy(port))) {
          if (Date.now() > deadline) throw new Error("app not healthy after 10 s");
          await new Promise((r) => setTimeout(r, 1));
        }
      }),
    );
    return performance.now() - started;
  } finally {
    await Promise.all(children.map((child) => stopProcess(child)));
  }
}

async function oneDeploy(api, app, build) {
  const { events, result } = await deploy(api, app, build);
  const ms = {};
  for (const e of events)
    if (e.type === "step" && e.state === "done" && STEPS.includes(e.step)) ms[e.step] = e.ms;
  const other = result.holdMs - STEPS.reduce((sum, s) => sum + (ms[s] ?? 0), 0);
  return { holdMs: result.holdMs, durationMs: result.durationMs, ...ms, other };
}

// Deploys the two builds alternately; before each, the same number of copies of the
// app is started by hand, so both figures are taken under the same machine load.
async function deploys(api, app, builds, instances) {
  await oneDeploy(api, app, builds[1]); // not counted: warms the receiver's code paths
  await ownStart(builds[1], instances); // and the page cache for the app's own run
  const runs = [];
  const own = [];
  for (let i = 0; i < DEPLOYS; i++) {
    own.push(await ownStart(builds[i % 2], instances));
    runs.push(await oneDeploy(api, app, builds[i % 2]));
  }
  const pick = (key) => stats(runs.map((r) => r[key]));
  const holdMs = pick("holdMs");
  const appStartToHealthyMs = stats(own);
  return {
    deploys: runs.length,
    appStartToHealthyMs,
    holdMs,
    overheadMs: holdMs.median - appStartToHealthyMs.median,
    durationMs: pick("durationMs"),
    steps: Object.fromEntries([...STEPS, "other"].map((s) => [s, pick(s)])),
    runs,
  };
}

// The frame of a deploy benchmark: a temp folder with builds A and B of `script`, one
// app per entry of `apps` (its own config keys) live with build B, and one receiver for
// all; `measure(rx, app, builds)` runs for each app in turn once its servers are healthy.
export async function eachApp(name, script, apps, measure) {
  const config = Object.fromEntries(
    Object.entries(apps).map(([app, keys]) => [app, { script: script("B"), ...keys }]),
  );
  return withReceiver(name, config, async (rx, dir) => {
    mkdirSync(join(dir, "builds"));
    const builds = ["A", "B"].map((b) => writeExecutable(join(dir, `builds/app-${b}`), script(b)));
    const result = {};
    for (const app of Object.keys(apps)) result[app] = await measure(rx, app, builds);
    return result;
  });
}

export async function benchHold() {
  const apps = { hold1: { instances: 1 }, hold2: { instances: 2 } };
  const result = await eachApp("hold", quickApp, apps, (rx, app, builds) =>
    deploys(rx.api, app, builds, apps[app].instances),
  );
  return { instances1: result.hold1, instances2: result.hold2 };
}
