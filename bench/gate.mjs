// Gate: small GETs through the gate versus straight to the app, and versus nginx as a
// keep-alive reverse proxy to the same app (one worker: the receiver is one Node
// process). Load comes from wrk in its own process; every run is bounded by -d.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import {
  appStatus,
  deploy,
  ensureCommands,
  freePort,
  run,
  startApps,
  stats,
  stopProcess,
  token,
  waitFor,
  withReceiver,
} from "./lib.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_GATE_SECONDS ?? 8);
const CONNECTIONS = 32;
// BENCH_BASELINE=DIR (a checkout of an earlier commit, with its dist/ built): its gate runs
// beside this one, interleaved, so a change in the gate is measured before and after
// in the same run. Commits before the rename built dist/receiver/cli.js.
const BASELINE = process.env.BENCH_BASELINE
  ? (["dist/receiver/cli.mjs", "dist/receiver/cli.js"]
      .map((file) => resolve(process.env.BENCH_BASELINE, file))
      .find((file) => existsSync(file)) ??
    resolve(process.env.BENCH_BASELINE, "dist/receiver/cli.mjs"))
  : undefined;
const PATHS = ["direct", "gate", "socket", "watched", "nginx", ...(BASELINE ? ["baseline"] : [])];

// The smallest useful app: "hello" to every GET, 200 on /health.
const HELLO_APP = `#!/usr/bin/env node
const http = require("node:http");
http
  .createServer((req, res) => {
    if (req.url === "/health") return res.end("ok");
    res.setHeader("content-type", "text/plain");
    res.end("hello\\n");
  })
  .listen(process.env.LISTEN_FDS === "1" ? { fd: 3 } : { port: Number(process.env.PORT), host: "127.0.0.1" });
process.on("SIGTERM", () => process.exit(0));
`;

const nginxConf = (dir, port, appPort) => `worker_processes 1;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream app {
    server 127.0.0.1:${appPort};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;

// wrk prints latencies as "1.23ms", "456.78us" or "1.02s".
function toMs(text) {
  const [, value, unit] = /^([\d.]+)(us|ms|s|m)$/.exec(text) ?? [];
  if (value === undefined) throw new Error(`wrk latency not understood: ${text}`);
  return Number(value) * { us: 0.001, ms: 1, s: 1000, m: 60_000 }[unit];
}

export function parseWrk(out) {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const p50 = /^\s+50%\s+(\S+)/m.exec(out);
  const p99 = /^\s+99%\s+(\S+)/m.exec(out);
  if (!rps || !p50 || !p99) throw new Error(`wrk output not understood:\n${out}`);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  return {
    rps: Number(rps[1]),
    p50Ms: toMs(p50[1]),
    p99Ms: toMs(p99[1]),
    errors: errors ? errors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
  };
}

export async function wrk(url, seconds) {
  const res = await run(
    "wrk",
    ["-t1", `-c${CONNECTIONS}`, `-d${seconds}s`, "--timeout", "5s", "--latency", url],
    { timeoutMs: (seconds + 15) * 1000 },
  );
  if (res.code !== 0) throw new Error(`wrk ${url} exited ${res.code ?? res.signal}: ${res.stderr}`);
  return parseWrk(res.stdout);
}

async function answers(url) {
  try {
    const res = await fetch(url);
    return res.status === 200 && (await res.text()) === "hello\n";
  } catch {
    return false;
  }
}

async function startNginx(dir, appPort) {
  const port = await freePort();
  mkdirSync(dir);
  writeFileSync(join(dir, "nginx.conf"), nginxConf(dir, port, appPort));
  const child = spawn(
    "nginx",
    [
      "-p",
      `${dir}/`,
      "-c",
      join(dir, "nginx.conf"),
      "-e",
      join(dir, "error.log"),
      "-g",
      `daemon off; pid ${dir}/nginx.pid;`,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (c) => (stderr += c));
  const url = `http://127.0.0.1:${port}/`;
  try {
    await waitFor(
      "nginx",
      async () => {
        if (child.exitCode !== null) throw new Error(`nginx exited ${child.exitCode}: ${stderr}`);
        return answers(url);
      },
      10_000,
    );
  } catch (error) {
    await stopProcess(child);
    throw error;
  }
  return { url, stop: () => stopProcess(child, "SIGTERM") };
}

export async function benchGate() {
  const missing = ensureCommands(["wrk", "nginx"], ["wrk", "nginx-light"]);
  if (missing) return { skipped: missing };
  return withReceiver("gate", { bench: { script: HELLO_APP, instances: 1 } }, async (rx, dir) => {
    let base;
    let nginx;
    let watched;
    let socket;
    try {
      watched = await startWatched(join(dir, "watched"));
      socket = await startSocketMode(join(dir, "socket"));
      const appPort = (await appStatus(rx.api, "bench")).instances[0].port;
      nginx = await startNginx(join(dir, "nginx"), appPort);
      const urls = {
        direct: `http://127.0.0.1:${appPort}/`,
        gate: `${rx.gate("bench")}/`,
        watched: watched.url,
        socket: socket.url,
        nginx: nginx.url,
      };
      if (BASELINE) {
        base = await startApps(
          join(dir, "baseline"),
          { bench: { script: HELLO_APP, instances: 1 } },
          BASELINE,
        );
        urls.baseline = `${base.gate("bench")}/`;
        await waitFor("the baseline gate", () => answers(urls.baseline), 10_000);
      }
      for (const path of PATHS) {
        if (!(await answers(urls[path])))
          throw new Error(`${path} (${urls[path]}) does not answer hello`);
        await wrk(urls[path], 1); // warm up: JIT, keep-alive pools
      }
      const runs = Object.fromEntries(PATHS.map((path) => [path, []]));
      for (let i = 0; i < RUNS; i++) {
        // A different order each run, so no path always runs on a warmer machine.
        for (let k = 0; k < PATHS.length; k++) {
          const path = PATHS[(i + k) % PATHS.length];
          runs[path].push(await wrk(urls[path], SECONDS));
        }
      }
      const summary = {};
      for (const path of PATHS) {
        const r = runs[path];
        summary[path] = {
          rps: stats(r.map((x) => x.rps)),
          p50Ms: stats(r.map((x) => x.p50Ms)),
          p99Ms: stats(r.map((x) => x.p99Ms)),
          errors: r.reduce((sum, x) => sum + x.errors + x.non2xx, 0),
        };
      }
      const pid = rx.child.pid;
      const nginxErrors = readFileSync(join(dir, "nginx/error.log"), "utf8").trim();
      return {
        load: `wrk -t1 -c${CONNECTIONS} -d${SECONDS}s --latency, ${RUNS} run(s) per path`,
        cpus: cpus().length,
        receiverPid: pid,
        ...summary,
        gateToNginxRps: summary.gate.rps.median / summary.nginx.rps.median,
        gateToNginxP99: summary.gate.p99Ms.median / summary.nginx.p99Ms.median,
        gateToDirectRps: summary.gate.rps.median / summary.direct.rps.median,
        watchedToGateRps: summary.watched.rps.median / summary.gate.rps.median,
        watchedToGateP99: summary.watched.p99Ms.median / summary.gate.p99Ms.median,
        nginxToDirectRps: summary.nginx.rps.median / summary.direct.rps.median,
        socketToDirectRps: summary.socket.rps.median / summary.direct.rps.median,
        socketToNginxRps: summary.socket.rps.median / summary.nginx.rps.median,
        socketToDirectP99: summary.socket.p99Ms.median / summary.direct.p99Ms.median,
        baseline: BASELINE && { cli: BASELINE, ...summary.baseline },
        nginxErrorLog: nginxErrors ? nginxErrors.split("\n").slice(-5) : [],
      };
    } finally {
      await watched?.stop();
      await socket?.stop();
      await nginx?.stop();
      await base?.stop();
    }
  });
}

// "socket": a receiver of its own whose app's gate is in socket mode (issue 16): the
// app's one server accepts on the gate's port itself, inherited as fd 3.
async function startSocketMode(dir) {
  const gate = { listen: "127.0.0.1:0", mode: "socket" };
  const rx = await startApps(dir, { bench: { script: HELLO_APP, instances: 1, gate } });
  try {
    const url = `${rx.gate("bench")}/`;
    await waitFor("the socket-mode gate", () => answers(url), 10_000);
    return { url, stop: () => rx.stop() };
  } catch (error) {
    await rx.stop();
    throw error;
  }
}

// "watched": a receiver of its own, set up as this one, whose app has a deploy under a
// watch that judges every answer (issue 15) for as long as the measurements take: the
// gate with its answer observer on. stop() promotes the deploy, checks it was, and stops.
async function startWatched(dir) {
  const apps = {
    bench: { script: HELLO_APP, instances: 1, watch: { for: "20m", minRequests: 1 } },
  };
  const rx = await startApps(dir, apps);
  try {
    await waitFor("the watched app healthy", async () => {
      const { instances } = await appStatus(rx.api, "bench");
      return instances.length > 0 && instances.every((s) => s.state === "healthy");
    });
    const file = join(dir, "bench-v2");
    writeFileSync(file, `${HELLO_APP}// v2\n`, { mode: 0o755 });
    const deployed = deploy(rx.api, "bench", file);
    deployed.catch(() => {}); // stop() reports it
    await waitFor("the watch", async () => (await appStatus(rx.api, "bench")).watch);
    const url = `${rx.gate("bench")}/`;
    await waitFor("the watched gate", () => answers(url), 10_000);
    return {
      url,
      async stop() {
        try {
          const promote = await token({ op: "promote" });
          await fetch(`${rx.api}/v1/apps/bench/promote`, {
            method: "POST",
            headers: { authorization: `Bearer ${promote}` },
          });
          const { result } = await deployed;
          if (result.judged?.[0]?.verdict !== "promoted")
            throw new Error(`the watched deploy was not promoted: ${JSON.stringify(result)}`);
        } finally {
          await rx.stop();
        }
      },
    };
  } catch (error) {
    await rx.stop();
    throw error;
  }
}
