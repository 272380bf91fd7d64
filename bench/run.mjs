// `npm run bench`: runs every benchmark against the bundles in dist/, prints one table
// of figures and ratios measured in this one run, and writes the same as JSON to
// bench-results.json. BENCH_RUNS sets the repeat count (default 3); BENCH_ONLY picks
// benchmarks by name (BENCH_ONLY=gate,hold). Benchmarks measure; they assert nothing:
// the target column says whether this run met each target.
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { benchAction } from "./action.mjs";
import { benchAppLogs } from "./app-logs.mjs";
import { benchDeployments } from "./deployments.mjs";
import { benchGate } from "./gate.mjs";
import { benchHold } from "./hold.mjs";
import { mib } from "./lib.mjs";
import { benchOverlap } from "./overlap.mjs";
import { benchSocket } from "./socket.mjs";
import { benchLoad } from "./load.mjs";
import { benchReplay } from "./replay-store.mjs";
import { benchUnpack } from "./unpack.mjs";
import { benchUpload } from "./upload.mjs";

// "812 (790–840)" from {median, min, max}.
const range = (s, digits = 0) =>
  s.runs === 1 || s.min === s.max
    ? s.median.toFixed(digits)
    : `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
const x = (ratio) => `${ratio.toFixed(2)}×`;
const target = (text, met) => `${text}: ${met ? "met" : "MISSED"}`;

const uploadRows = (up) => [
  ["upload: receiver peak RSS staging 10 MiB (MiB)", mib(up.rss10MiB), "", ""],
  [
    "upload: receiver peak RSS staging 1 GiB (MiB)",
    mib(up.rss1GiB),
    `+${up.rssDeltaMiB} MiB`,
    target("within 50 MiB", up.rssDeltaMiB <= 50),
  ],
  [
    "upload: 1 GiB over loopback (ms)",
    range(up.upload1GiBMs),
    x(up.ratioToFloor),
    target("at most 1.3× floor", up.ratioToFloor <= 1.3),
  ],
  ["upload: floor, cp + sha256sum of 1 GiB (ms)", range(up.floorMs), "", ""],
];

const gateRows = (g) => [
  ["gate: req/s straight to the app", range(g.direct.rps), "1.00×", ""],
  [
    "gate: req/s through nginx (1 worker, keepalive 64)",
    range(g.nginx.rps),
    `${x(g.nginxToDirectRps)} direct`,
    "",
  ],
  [
    "gate: req/s through the gate",
    range(g.gate.rps),
    `${x(g.gateToNginxRps)} nginx`,
    target("at least 0.75× nginx", g.gateToNginxRps >= 0.75),
  ],
  [
    "gate: req/s through the gate while a watch judges every answer",
    range(g.watched.rps),
    `${x(g.watchedToGateRps)} gate`,
    target("no worse than 0.95× gate", g.watchedToGateRps >= 0.95),
  ],
  [
    "gate: req/s in socket mode (the app accepts on the gate's port)",
    range(g.socket.rps),
    `${x(g.socketToDirectRps)} direct, ${x(g.socketToNginxRps)} nginx`,
    target(
      "at least 0.9× direct and 1.3× nginx",
      g.socketToDirectRps >= 0.9 && g.socketToNginxRps >= 1.3,
    ),
  ],
  ["gate: p50 ms direct", range(g.direct.p50Ms, 2), "", ""],
  ["gate: p50 ms nginx", range(g.nginx.p50Ms, 2), "", ""],
  [
    "gate: p50 ms gate",
    range(g.gate.p50Ms, 2),
    `${x(g.gate.p50Ms.median / g.nginx.p50Ms.median)} nginx`,
    "",
  ],
  ["gate: p99 ms direct", range(g.direct.p99Ms, 2), "", ""],
  ["gate: p99 ms nginx", range(g.nginx.p99Ms, 2), "", ""],
  [
    "gate: p99 ms gate",
    range(g.gate.p99Ms, 2),
    `${x(g.gateToNginxP99)} nginx`,
    target("at most 1.5× nginx", g.gateToNginxP99 <= 1.5),
  ],
  [
    "gate: p99 ms socket mode",
    range(g.socket.p99Ms, 2),
    `${x(g.socketToDirectP99)} direct`,
    target("at most 1.1× direct", g.socketToDirectP99 <= 1.1),
  ],
  [
    "gate: p99 ms gate while watched",
    range(g.watched.p99Ms, 2),
    `${x(g.watchedToGateP99)} gate`,
    target("at most 1.1× gate", g.watchedToGateP99 <= 1.1),
  ],
  ...(g.baseline
    ? [
        [
          "gate: req/s through the baseline gate (BENCH_BASELINE)",
          range(g.baseline.rps),
          `${x(g.gate.rps.median / g.baseline.rps.median)} this/baseline`,
          target("no worse than 0.95× baseline", g.gate.rps.median / g.baseline.rps.median >= 0.95),
        ],
        [
          "gate: p99 ms baseline gate",
          range(g.baseline.p99Ms, 2),
          `${x(g.gate.p99Ms.median / g.baseline.p99Ms.median)} this/baseline`,
          target("at most 1.05× baseline", g.gate.p99Ms.median / g.baseline.p99Ms.median <= 1.05),
        ],
      ]
    : []),
  [
    "gate: failed requests (socket errors + non-2xx), all paths",
    String(
      g.direct.errors +
        g.nginx.errors +
        g.gate.errors +
        g.watched.errors +
        (g.baseline?.errors ?? 0),
    ),
    "",
    "",
  ],
];

const holdRows = (h) =>
  [1, 2].flatMap((n) => {
    const r = h[`instances${n}`];
    const p = `hold, ${n} instance${n > 1 ? "s" : ""}:`;
    const part = (s) => x(s.median / r.holdMs.median) + " hold";
    return [
      [`${p} app's own start to healthy (ms)`, range(r.appStartToHealthyMs), "", ""],
      [
        `${p} holdMs (ms)`,
        range(r.holdMs),
        `${x(r.holdMs.median / r.appStartToHealthyMs.median)} own`,
        "",
      ],
      [`${p}   unload = drain + stop (ms)`, range(r.steps.unload), part(r.steps.unload), ""],
      [`${p}   swap = rename (ms)`, range(r.steps.swap), part(r.steps.swap), ""],
      [`${p}   reload = start + health (ms)`, range(r.steps.reload), part(r.steps.reload), ""],
      [
        `${p}   hold + release steps (ms)`,
        range({ ...r.steps.release, median: r.steps.release.median + r.steps.hold.median }),
        "",
        "",
      ],
      [
        `${p}   between steps: swap record, events (ms)`,
        range(r.steps.other),
        part(r.steps.other),
        "",
      ],
      [
        `${p} overhead = holdMs − own start (ms)`,
        r.overheadMs.toFixed(0),
        "",
        target("under 50 ms", r.overheadMs < 50),
      ],
    ];
  });

const actionRows = (a) => [
  [
    "action: bundle size (MB)",
    (a.bundleBytes / 1e6).toFixed(2),
    "",
    target("under 2 MB", a.bundleBytes < 2e6),
  ],
  [
    "action: cold start, spawn to exit without inputs (ms)",
    range(a.coldStart.exitMs),
    `${x(a.coldStart.exitMs.median / a.coldStart.bareNodeMs.median)} bare node`,
    target("under 300 ms", a.coldStart.exitMs.median < 300),
  ],
  ["action:   spawn to first output line (ms)", range(a.coldStart.firstOutputMs), "", ""],
  ['action:   bare `node -e ""` (ms)', range(a.coldStart.bareNodeMs), "", ""],
  [
    "cli: bundle size, dist/client/hotswap.mjs (MB)",
    (a.cliBundleBytes / 1e6).toFixed(2),
    `${x(a.cliBundleBytes / a.bundleBytes)} action`,
    target("under 2 MB", a.cliBundleBytes < 2e6),
  ],
  [
    "cli: cold start, `hotswap --version` spawn to exit (ms)",
    range(a.cliColdStart.exitMs),
    `${x(a.cliColdStart.exitMs.median / a.coldStart.exitMs.median)} action, ${x(a.cliColdStart.exitMs.median / a.coldStart.bareNodeMs.median)} bare node`,
    target("under 300 ms", a.cliColdStart.exitMs.median < 300),
  ],
  ["action: 100 MiB upload alone, bench client (ms)", range(a.uploadAloneMs), "1.00×", ""],
  ["action:   sha256 of 100 MiB in node (ms)", range(a.clientSha256Ms), "", ""],
  [
    "action: operation upload, 100 MiB, whole step (ms)",
    range(a.actionUploadMs),
    `${x(a.actionUploadToUpload)} upload`,
    "",
  ],
  [
    "action: operation deploy, 100 MiB, whole step (ms)",
    range(a.actionDeployMs),
    `${x(a.actionDeployToUpload)} upload`,
    "",
  ],
  ["action:   receiver's durationMs of that deploy (ms)", range(a.actionDeployReceiverMs), "", ""],
  ["action:   holdMs of that deploy (ms)", range(a.actionDeployHoldMs), "", ""],
];

const deploymentRows = (d) => [
  [
    "deployments: action bundle, dist/action/index.js (bytes)",
    String(d.bundleBytes),
    `+${d.octokitBytes} B for @octokit/core`,
    target("under 2 MB", d.bundleBytes < 2e6),
  ],
  [
    "deployments:   the same built without @octokit/core (bytes)",
    String(d.bundleWithoutOctokitBytes),
    "",
    d.builtBytes === d.bundleBytes ? "" : "dist/ is not the current build: npm run build",
  ],
  [
    "deployments: cold start, spawn to exit without inputs (ms)",
    range(d.coldStartMs),
    `${x(d.coldStartMs.median / d.bareNodeMs.median)} bare node`,
    target("under 300 ms", d.coldStartMs.median < 300),
  ],
  [
    "deployments: deploy step, artifact already live, deployment: false (ms)",
    range(d.deploymentOffMs),
    `${x(d.deploymentOffMs.median / d.bareNodeMs.median)} bare node`,
    "",
  ],
  [
    "deployments: the same, deployment: true, 3 calls to a loopback API (ms)",
    range(d.deploymentOnMs),
    `+${d.deploymentCostMs.toFixed(0)} ms`,
    "loads @octokit/core only here",
  ],
  ['deployments:   bare `node -e ""` (ms)', range(d.bareNodeMs), "", ""],
];

const loadRows = (l) => {
  const ms = (x) => (x === undefined ? "-" : x.toFixed(0));
  const latency = (s) => `${ms(s.p50)} / ${ms(s.p99)} / ${ms(s.max)}`;
  const failures = Object.entries(l.failures).map(([kind, n]) => `${kind} ${n}`);
  return [
    [`load: requests sent (${l.rate}/s for ${l.seconds} s, open model)`, String(l.sent), "", ""],
    [
      "load: requests lost (errors, resets, timeouts, non-200)",
      String(l.lost),
      failures.join(", "),
      target("zero", l.lost === 0),
    ],
    ["load:   of which resets", String(l.resets), "", target("zero", l.resets === 0)],
    [
      "load: arrived during a hold, p50 / p99 / max (ms)",
      latency(l.held),
      `${l.held.count} requests`,
      "",
    ],
    [
      "load: arrived outside holds, p50 / p99 / max (ms)",
      latency(l.outside),
      `${l.outside.count} requests`,
      "",
    ],
    [
      "load: swaps done one after another",
      `${l.swapsDone} / ${l.swapsPlanned}`,
      l.swapsAfterLoad ? `${l.swapsAfterLoad} after the load ended` : "",
      target("all under load", l.swapsDone === l.swapsPlanned && l.swapsAfterLoad === 0),
    ],
    ["load:   holdMs per swap (ms)", l.holdMs ? range(l.holdMs) : "-", "", ""],
    ["load:   hold as the client saw it (ms)", l.holdSeenMs ? range(l.holdSeenMs) : "-", "", ""],
    ["load: generator's worst lag behind schedule (ms)", ms(l.maxLagMs), "", ""],
    ["load: receiver warnings (unreachable server, drain timeout)", String(l.warnings), "", ""],
    [
      "load: listen-queue overflows on this machine meanwhile",
      l.listenOverflows === undefined ? "-" : String(l.listenOverflows),
      "all processes (Linux TcpExt ListenOverflows)",
      "",
    ],
  ];
};

const socketRows = (s) => {
  const cases = [
    ["proxyFresh", "proxy mode, fresh connections"],
    ["proxyKeepAlive", "proxy mode, keep-alive clients"],
    ["socketFresh", "socket mode, fresh connections"],
    ["socketKeepAlive", "socket mode, keep-alive clients"],
    ["socketOverlapKeepAlive", "socket mode, strategy overlap, keep-alive clients"],
  ];
  return cases.map(([key, what]) => {
    const r = s[key];
    const how = Object.entries(r.failures)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ");
    return [
      `socket: ${r.swaps} swaps at ${s.rate} req/s, ${what}: failed of sent`,
      `${r.failed} of ${r.sent}`,
      `p99 ${r.p99Ms.toFixed(1)} ms, max ${r.maxMs.toFixed(0)} ms`,
      target("zero", r.failed === 0) + (how ? ` (${how})` : ""),
    ];
  });
};

const overlapRows = (o) => {
  const both = (f) => `${f(o.hold)} / ${f(o.overlap)}`;
  const ms = (v) => v.toFixed(0);
  return [
    [
      `overlap: holdMs, strategy hold (ms), app starts in ~${o.startMs} ms`,
      range(o.hold.holdMs),
      "",
      "",
    ],
    [
      "overlap: holdMs, strategy overlap (ms)",
      range(o.overlap.holdMs),
      "",
      target("under 5 ms", o.overlap.holdMs.max < 5),
    ],
    [
      `overlap: failed requests, hold / overlap (${o.rate} req/s, open model)`,
      both((r) => String(r.failed)),
      both((r) => `${r.answered}`) + " answered",
      target("zero", o.hold.failed === 0 && o.overlap.failed === 0),
    ],
    ["overlap: slowest request, hold / overlap (ms)", both((r) => ms(r.maxMs)), "", ""],
    ["overlap: p99 request, hold / overlap (ms)", both((r) => r.p99Ms.toFixed(1)), "", ""],
    [
      "overlap: deploy durationMs, hold / overlap (ms)",
      both((r) => ms(r.durationMs.median)),
      "",
      "",
    ],
  ];
};

const replayRows = (r) => {
  const vs = (a, s) => `${x(a.median / s.median)} sync`;
  const { sync, async } = r;
  return [
    [
      `replay: ${r.burst} adds at once, sync writeSync + fdatasyncSync (ms)`,
      range(sync.burstTotalMs, 1),
      "1.00×",
      "",
    ],
    [
      `replay: ${r.burst} adds at once, async group commit (ms)`,
      range(async.burstTotalMs, 1),
      vs(async.burstTotalMs, sync.burstTotalMs),
      "",
    ],
    [
      "replay:   adds/s, sync / async",
      `${sync.burstAddsPerSecond.median.toFixed(0)} / ${async.burstAddsPerSecond.median.toFixed(0)}`,
      vs(async.burstAddsPerSecond, sync.burstAddsPerSecond),
      "",
    ],
    [
      "replay:   each add on disk after, p50 / p99, sync (ms)",
      `${sync.burstP50Ms.median.toFixed(1)} / ${sync.burstP99Ms.median.toFixed(1)}`,
      "",
      "",
    ],
    [
      "replay:   each add on disk after, p50 / p99, async (ms)",
      `${async.burstP50Ms.median.toFixed(1)} / ${async.burstP99Ms.median.toFixed(1)}`,
      vs(async.burstP99Ms, sync.burstP99Ms) + " (p99)",
      "",
    ],
    [
      `replay: event-loop delay p99 / max, same timer without adds (ms)`,
      `${r.floor.loopP99Ms.median.toFixed(2)} / ${r.floor.loopMaxMs.median.toFixed(2)}`,
      "",
      "the machine's floor",
    ],
    [
      `replay: event-loop delay p99, ${r.steady} adds at ${r.rate}/s, sync (ms)`,
      range(sync.loopP99Ms, 2),
      "1.00×",
      "",
    ],
    [
      `replay: event-loop delay p99, ${r.steady} adds at ${r.rate}/s, async (ms)`,
      range(async.loopP99Ms, 2),
      vs(async.loopP99Ms, sync.loopP99Ms),
      target("below sync", async.loopP99Ms.median < sync.loopP99Ms.median),
    ],
    ["replay: event-loop delay max, sync (ms)", range(sync.loopMaxMs, 2), "1.00×", ""],
    [
      "replay: event-loop delay max, async (ms)",
      range(async.loopMaxMs, 2),
      vs(async.loopMaxMs, sync.loopMaxMs),
      "",
    ],
    [
      `replay: event loop held inside add(), all ${r.steady}, sync (ms)`,
      range(sync.blockedMs, 1),
      "1.00×",
      "",
    ],
    [
      `replay: event loop held inside add(), all ${r.steady}, async (ms)`,
      range(async.blockedMs, 2),
      vs(async.blockedMs, sync.blockedMs),
      "",
    ],
    [
      `replay: datasyncs for ${r.burst + r.steady} adds, sync / async`,
      `${sync.datasyncs.median} / ${async.datasyncs.median}`,
      "",
      "",
    ],
  ];
};

const logsRows = (l) => [
  ["logs: gate req/s, app quiet", range(l.quiet.rps), "1.00×", ""],
  [
    `logs: gate req/s, app printing ${l.floodMibs} MiB/s to stdout`,
    range(l.flood.rps),
    x(l.floodToQuietRps),
    target("within 10% of quiet", l.floodToQuietRps >= 0.9),
  ],
  [
    "logs: p99 ms, quiet / flood",
    `${l.quiet.p99Ms.median.toFixed(2)} / ${l.flood.p99Ms.median.toFixed(2)}`,
    "",
    "",
  ],
  [
    "logs: MiB/s the app printed during flood runs",
    range(l.printedMibs, 1),
    "",
    `app stdout left unread after a run: ${l.appStdoutBufferedMax} B`,
  ],
  [
    "logs: receiver CPU without requests, quiet / flood (% of a core)",
    `${(l.idleCpu.quiet.median * 100).toFixed(1)} / ${(l.idleCpu.flood.median * 100).toFixed(1)}`,
    "",
    "what reading, splitting, buffering and echoing the flood costs",
  ],
  [
    "logs: CPU under wrk, quiet / flood: receiver, app, machine (cores)",
    ["receiver", "app", "machine"]
      .map((k) => `${l.loadCpu.quiet[k].median.toFixed(2)}/${l.loadCpu.flood[k].median.toFixed(2)}`)
      .join(", "),
    "",
    "the machine's figure counts every process on it, other users' too",
  ],
];

const unpackRows = (u) => [
  [
    `unpack: ${u.mib} MiB tar.gz (${u.files} files), unpackArchive (ms)`,
    range(u.unpackMs),
    x(u.ratioToTar),
    "against tar xzf of the same file",
  ],
  [
    `unpack: tar xzf of the same ${u.mib} MiB (ms)`,
    range(u.tarMs),
    "",
    "files left in the page cache",
  ],
  [
    `unpack: tar xzf, then sync -f (ms)`,
    range(u.tarSyncMs),
    x(u.ratioToTarSync),
    "unpackArchive against it: both end with the bytes on disk",
  ],
  ["unpack: peak RSS unpacking 10 MiB (MiB)", mib(u.rssSmall), "", ""],
  [
    `unpack: peak RSS unpacking ${u.mib} MiB (MiB)`,
    mib(u.rssBig),
    `+${u.rssDeltaMiB} MiB`,
    target("within 50 MiB", u.rssDeltaMiB <= 50),
  ],
  ["unpack: peak RSS of tar xzf (MiB)", mib(u.tarRss), "", ""],
  [
    "unpack: minified bundle of unpackArchive (KiB)",
    (u.bundleBytes / 1024).toFixed(1),
    "",
    Object.entries(u.bundleByPackage)
      .sort((a, b) => b[1] - a[1])
      .map(([name, bytes]) => `${name} ${(bytes / 1024).toFixed(1)}`)
      .join(", "),
  ],
];

const BENCHES = {
  upload: [benchUpload, uploadRows],
  gate: [benchGate, gateRows],
  logs: [benchAppLogs, logsRows],
  hold: [benchHold, holdRows],
  overlap: [benchOverlap, overlapRows],
  socket: [benchSocket, socketRows],
  action: [benchAction, actionRows],
  deployments: [benchDeployments, deploymentRows],
  load: [benchLoad, loadRows],
  replay: [benchReplay, replayRows],
  unpack: [benchUnpack, unpackRows],
};

const only = (process.env.BENCH_ONLY ?? "")
  .split(",")
  .map((name) => name.trim())
  .filter(Boolean);
const unknown = only.filter((name) => !(name in BENCHES));
if (unknown.length) {
  console.error(
    `BENCH_ONLY: no benchmark ${unknown.join(", ")} (have: ${Object.keys(BENCHES).join(", ")})`,
  );
  process.exit(2);
}

const results = {
  at: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    node: process.version,
    loadavgBefore: loadavg(),
  },
};
const rows = [["figure", "median (min–max)", "ratio", "target"]];
let failed = false;
for (const [name, [bench, toRows]] of Object.entries(BENCHES)) {
  if (only.length && !only.includes(name)) continue;
  const started = Date.now();
  console.error(`bench: ${name}…`);
  try {
    const result = await bench();
    results[name] = result;
    if (result.skipped) rows.push([`${name}: skipped`, "", "", result.skipped]);
    else rows.push(...toRows(result));
  } catch (error) {
    failed = true;
    results[name] = { error: error.message };
    rows.push([`${name}: failed`, "", "", error.message.split("\n")[0]]);
    console.error(error);
  }
  console.error(`bench: ${name} took ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
results.machine.loadavgAfter = loadavg();

const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
for (const [i, [name, value, ratio, goal]] of rows.entries()) {
  console.log(
    `${name.padEnd(widths[0])}  ${value.padStart(widths[1])}  ${ratio.padEnd(widths[2])}  ${goal}`,
  );
  if (i === 0) console.log("-".repeat(widths[0] + widths[1] + widths[2] + 12));
}
const load = (l) => l.map((n) => n.toFixed(2)).join(" ");
console.log(
  `\n${results.machine.cpus} CPU(s), node ${process.version}, load average ${load(results.machine.loadavgBefore)} before, ${load(results.machine.loadavgAfter)} after.`,
);
if (results.gate && !results.gate.skipped && !results.gate.error)
  console.log(
    `gate: ${results.gate.load}; wrk, proxy and app share the CPUs. nginx runs worker_processes 1 because the receiver (the gate) is one Node process.`,
  );
if (results.hold && !results.hold.error)
  console.log(
    `hold: ${results.hold.instances1.deploys} deploys per row (two builds alternately, after one uncounted), each after starting the app by hand (spawn to first 200 on /health).`,
  );
if (results.load && !results.load.error) {
  const { mix, slowMs, postBytes } = results.load;
  const weights = Object.entries(mix).map(([kind, weight]) => `${kind} ${weight}`);
  console.log(
    `load: mix ${weights.join(", ")} (slow = ${slowMs} ms, post = ${postBytes} B), half keep-alive, half connection: close; latency counts from each request's scheduled arrival.`,
  );
}
if (results.overlap && !results.overlap.error)
  console.log(
    `overlap: ${results.overlap.hold.deploys} deploys per strategy under an open-model load of ${results.overlap.rate} req/s (two builds alternately, after one uncounted); the slowest request shows what a hold costs a client.`,
  );
writeFileSync("bench-results.json", JSON.stringify(results, null, 2) + "\n");
console.log("wrote bench-results.json");
if (failed) process.exitCode = 1;
