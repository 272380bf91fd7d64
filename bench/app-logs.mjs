// App logs: the gate's throughput (wrk, as in gate.mjs) while its app is quiet, and while
// the same server prints a flood of lines to stdout, in the same run, interleaved.
// Every line passes the receiver's event loop (split, buffered, echoed to its stdout,
// receiver/pool/output-ring.ts, receiver/echo-output.ts), the same loop that runs the
// gate: issue 13 asks that a server printing megabytes a second not slow it by more
// than 10 %. The receiver's stdout is read and thrown away here, as a fast journald would.
import { cpus } from "node:os";
import { join } from "node:path";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { wrk } from "./gate.mjs";
import {
  appStatus,
  ensureCommands,
  startReceiver,
  stats,
  tempDir,
  waitFor,
  writeExecutable,
} from "./lib.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_GATE_SECONDS ?? 8);
/** How fast the server prints during a flood run. */
const FLOOD_MIBS = Number(process.env.BENCH_FLOOD_MIBS ?? 4);

// "hello" to every GET; GET /flood?mibs=N prints N MiB/s of 100-byte lines on stdout
// (every 10 ms a batch, so printing costs the app little), /quiet stops, /printed
// tells how much it printed and how much its stdout still buffers (the receiver
// fell behind reading if that grows).
const FLOOD_APP = `#!/usr/bin/env node
const http = require("node:http");
let timer;
let printed = 0;
const line = "flood " + "x".repeat(93) + "\\n";
http
  .createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname === "/health") return res.end("ok");
    if (url.pathname === "/flood") {
      clearInterval(timer);
      const lines = Math.round((Number(url.searchParams.get("mibs")) * 1024 * 1024) / 100 / 100);
      const batch = line.repeat(lines);
      timer = setInterval(() => {
        process.stdout.write(batch);
        printed += batch.length;
      }, 10);
      return res.end("flooding\\n");
    }
    if (url.pathname === "/quiet") {
      clearInterval(timer);
      return res.end("quiet\\n");
    }
    if (url.pathname === "/printed") {
      return res.end(JSON.stringify({ printed, buffered: process.stdout.writableLength }));
    }
    res.setHeader("content-type", "text/plain");
    res.end("hello\\n");
  })
  .listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => process.exit(0));
`;

/** CPU seconds (user + system) a process has used, from /proc (Linux). */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks
}

/** CPU seconds the whole machine spent busy (all cores), from /proc/stat. */
function machineBusySeconds() {
  const [, ...ticks] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = ticks.map(Number);
  return (user + nice + system + irq + softirq + steal) / 100;
}

/** The receiver's CPU use (share of one core) over `ms` without load. */
async function idleCpu(pid, ms) {
  const before = cpuSeconds(pid);
  await new Promise((r) => setTimeout(r, ms));
  return (cpuSeconds(pid) - before) / (ms / 1000);
}

export async function benchAppLogs() {
  const missing = ensureCommands(["wrk"], ["wrk"]);
  if (missing) return { skipped: missing };
  const dir = tempDir("logs");
  mkdirSync(join(dir, "deploy"));
  writeExecutable(join(dir, "deploy/app"), FLOOD_APP);
  const app = {
    exeFile: "./deploy/app",
    updateFile: "./deploy/app_update",
    env: { PORT: "{port}" },
    instances: 1,
    gate: "127.0.0.1:0",
    health: { path: "/health" },
  };
  const rx = await startReceiver(dir, { bench: app });
  // Read its stdout as journald would, without keeping it.
  rx.child.stdout.removeAllListeners("data");
  rx.child.stdout.resume();
  try {
    const status = await waitFor("a healthy server", async () => {
      const s = await appStatus(rx.api, "bench");
      return s.instances[0]?.state === "healthy" ? s : undefined;
    });
    const direct = `http://127.0.0.1:${status.instances[0].port}`;
    const gate = `${rx.gate("bench")}/`;
    const control = async (path) => {
      const res = await fetch(direct + path);
      if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
      return res.text();
    };
    await wrk(gate, 1); // warm up
    // What the flood costs the receiver by itself, without requests: its CPU share.
    const pid = rx.child.pid;
    const idle = { quiet: [], flood: [] };
    for (let i = 0; i < RUNS; i++) {
      idle.quiet.push(await idleCpu(pid, 2000));
      await control(`/flood?mibs=${FLOOD_MIBS}`);
      await new Promise((r) => setTimeout(r, 300));
      idle.flood.push(await idleCpu(pid, 2000));
      await control("/quiet");
      await new Promise((r) => setTimeout(r, 300));
    }
    const runs = { quiet: [], flood: [] };
    // Where the CPU went during each run: the receiver, the app, and the whole machine.
    const appPid = status.instances[0].pid;
    const cpu = { quiet: [], flood: [] };
    const measured = async (kind) => {
      const before = [cpuSeconds(pid), cpuSeconds(appPid), machineBusySeconds()];
      const started = Date.now();
      const result = await wrk(gate, SECONDS);
      const s = (Date.now() - started) / 1000;
      const after = [cpuSeconds(pid), cpuSeconds(appPid), machineBusySeconds()];
      cpu[kind].push(after.map((v, i) => (v - before[i]) / s));
      return result;
    };
    const printedMibs = [];
    let maxBuffered = 0;
    for (let i = 0; i < RUNS; i++) {
      for (const kind of i % 2 ? ["flood", "quiet"] : ["quiet", "flood"]) {
        if (kind === "flood") {
          await control(`/flood?mibs=${FLOOD_MIBS}`);
          await new Promise((r) => setTimeout(r, 500)); // the flood is on before wrk starts
          const before = JSON.parse(await control("/printed"));
          const started = Date.now();
          runs.flood.push(await measured("flood"));
          const after = JSON.parse(await control("/printed"));
          printedMibs.push(
            (after.printed - before.printed) / 1024 / 1024 / ((Date.now() - started) / 1000),
          );
          maxBuffered = Math.max(maxBuffered, after.buffered);
          await control("/quiet");
          await new Promise((r) => setTimeout(r, 500));
        } else {
          runs.quiet.push(await measured("quiet"));
        }
      }
    }
    const summary = (r) => ({
      rps: stats(r.map((x) => x.rps)),
      p99Ms: stats(r.map((x) => x.p99Ms)),
      errors: r.reduce((sum, x) => sum + x.errors + x.non2xx, 0),
    });
    const quiet = summary(runs.quiet);
    const flood = summary(runs.flood);
    return {
      load: `wrk -t1 -c32 -d${SECONDS}s, ${RUNS} run(s) each, quiet and flood interleaved`,
      cpus: cpus().length,
      floodMibs: FLOOD_MIBS,
      printedMibs: stats(printedMibs),
      /** Bytes the app's stdout still held after a flood run: the receiver kept up if small. */
      appStdoutBufferedMax: maxBuffered,
      quiet,
      flood,
      floodToQuietRps: flood.rps.median / quiet.rps.median,
      /** The receiver's CPU (share of one core) without requests: quiet, and during a flood. */
      idleCpu: { quiet: stats(idle.quiet), flood: stats(idle.flood) },
      /** CPU during the wrk runs (cores): receiver, app, whole machine (every process on it). */
      loadCpu: Object.fromEntries(
        ["quiet", "flood"].map((kind) => [
          kind,
          {
            receiver: stats(cpu[kind].map((c) => c[0])),
            app: stats(cpu[kind].map((c) => c[1])),
            machine: stats(cpu[kind].map((c) => c[2])),
          },
        ]),
      ),
    };
  } finally {
    await rx.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
