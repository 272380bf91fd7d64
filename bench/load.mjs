// Load: an open-model load on the gate (a fixed arrival rate, so requests held during a
// swap are counted with their whole wait) while swaps run one after another, spread over
// the run. Mixed traffic: small GETs, requests slower than a typical drain, POSTs with a
// body, half of them on keep-alive connections and half on a fresh connection each.
// BENCH_LOAD_SECONDS (default 60), BENCH_LOAD_RATE (default 500 per second) and
// BENCH_LOAD_SWAPS (default 20) make it shorter or lighter.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  failure,
  holdWindows,
  loadReport,
  openLoad,
  RESET_CODES,
} from "../test/load/open-load.mjs";
import { sha256File, stats, token, withReceiver, writeExecutable } from "./lib.mjs";

const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 60);
const RATE = Number(process.env.BENCH_LOAD_RATE ?? 500);
const SWAPS = Number(process.env.BENCH_LOAD_SWAPS ?? 20);
const MIX = { get: 6, slow: 2, post: 2 };
const SLOW_MS = 300;
const POST_BYTES = 4096;

// The test app's answers (test/helpers/app-script.ts), which the load checks word by word.
const app = (version) => `#!/usr/bin/env node
// load bench app ${version}
const http = require("node:http");
const server = http.createServer((req, res) => {
  if (req.url === "/health") return res.end("ok");
  if (req.url.startsWith("/slow")) {
    const ms = Number(new URL(req.url, "http://x").searchParams.get("ms") ?? 500);
    return setTimeout(() => res.end("${version} slow\\n"), ms);
  }
  let length = 0;
  req.on("data", (chunk) => (length += chunk.length));
  req.on("end", () => res.end("${version}" + (length ? " " + length : "") + "\\n"));
});
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => { server.close(); process.exit(0); });
`;

// Linux counts connections dropped because a listener's accept queue was full: the first
// sign that the machine, not the swap, is the limit (connect timeouts, resets on connect).
function listenOverflows() {
  if (!existsSync("/proc/net/netstat")) return undefined;
  const [names, values] = readFileSync("/proc/net/netstat", "utf8")
    .split("\n")
    .filter((line) => line.startsWith("TcpExt:"))
    .map((line) => line.split(/\s+/));
  const at = names?.indexOf("ListenOverflows") ?? -1;
  return at > 0 ? Number(values[at]) : undefined;
}

// A deploy whose stream is read as it arrives, so each step is seen when it happens.
async function deploy(api, file, onEvent) {
  const body = readFileSync(file);
  const sha = await sha256File(file);
  const res = await fetch(`${api}/v1/apps/load/deploy`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${await token({ app: "load", op: "deploy", sha256: sha })}`,
      "content-type": "application/octet-stream",
      "x-hotswap-sha256": sha,
    },
    body,
  });
  let result;
  let partial = "";
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    const lines = (partial + decoder.decode(chunk, { stream: true })).split("\n");
    partial = lines.pop();
    for (const line of lines.filter(Boolean)) {
      const event = JSON.parse(line);
      onEvent(event);
      if (event.type === "result") result = event;
    }
  }
  if (res.status !== 200 || !result?.ok)
    throw new Error(`deploy failed: ${res.status} ${JSON.stringify(result ?? partial)}`);
  return result;
}

// Swap i starts at its slot in the run, or as soon as swap i-1 is done if that is later.
async function swaps(api, builds, holds, warnings, startedAt, durationMs) {
  const slot = durationMs / (SWAPS + 1);
  const done = [];
  const onEvent = (event) => {
    holds.onEvent(event);
    if (event.type === "log" && event.level !== "info") warnings.push(event.message);
  };
  for (let i = 0; i < SWAPS; i++) {
    const due = startedAt + slot * (i + 1) - performance.now();
    if (due > 0) await new Promise((r) => setTimeout(r, due));
    const result = await deploy(api, builds[i % 2], onEvent);
    done.push({ holdMs: result.holdMs, endedAt: performance.now() });
  }
  return done;
}

export async function benchLoad() {
  const config = {
    script: app("v1"),
    instances: 2,
    health: { path: "/health", timeout: "10s" },
    drainTimeout: "5s",
    stopTimeout: "2s",
    hold: { timeout: "20s", maxRequests: 10_000 },
  };
  return withReceiver("load", { load: config }, async (rx, dir) => {
    mkdirSync(join(dir, "builds"));
    const builds = ["B", "A"].map((v) => writeExecutable(join(dir, `builds/app-${v}`), app(v)));
    const durationMs = SECONDS * 1000;
    const holds = holdWindows();
    const swapWarnings = [];
    const overflowsBefore = listenOverflows();
    const load = openLoad({
      url: rx.gate("load"),
      rate: RATE,
      durationMs,
      mix: MIX,
      slowMs: SLOW_MS,
      postBytes: POST_BYTES,
      timeoutMs: 30_000,
    });
    let swapped;
    try {
      swapped = await swaps(rx.api, builds, holds, swapWarnings, load.startedAt, durationMs);
    } finally {
      await load.done;
    }
    const overflows = listenOverflows() - overflowsBefore;
    const receiverWarnings = rx
      .log()
      .split("\n")
      .filter((line) => / (warn|error) /.test(line));
    const samples = load.samples;
    const report = loadReport(samples, holds);
    const lost = samples.filter((s) => failure(s) !== undefined);
    return {
      seconds: SECONDS,
      rate: RATE,
      mix: MIX,
      slowMs: SLOW_MS,
      postBytes: POST_BYTES,
      sent: report.sent,
      lost: report.failed,
      resets: samples.filter((s) => RESET_CODES.has(s.error)).length,
      failures: report.failures,
      firstLost: lost.slice(0, 5),
      byKind: report.byKind,
      held: report.held,
      outside: report.outside,
      swapsPlanned: SWAPS,
      swapsDone: swapped.length,
      swapsAfterLoad: swapped.filter((s) => s.endedAt > load.startedAt + durationMs).length,
      holdMs: swapped.length ? stats(swapped.map((s) => s.holdMs)) : undefined,
      holdSeenMs: report.holdMs.length ? stats(report.holdMs) : undefined,
      versions: report.versions.length,
      maxLagMs: load.maxLagMs,
      listenOverflows: Number.isNaN(overflows) ? undefined : overflows,
      warnings: swapWarnings.length + receiverWarnings.length,
      firstWarnings: [...swapWarnings, ...receiverWarnings].slice(0, 10),
    };
  });
}
