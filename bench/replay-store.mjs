// Replay store: what spending a token's jti costs the event loop that also serves
// every request through the gate. The baseline is the old store, reimplemented here
// (writeSync + fdatasyncSync per add, on the event loop); against it, in the same run
// and on the same disk, the receiver's store (async write + datasync, concurrent adds
// sharing one datasync), bundled from receiver/auth/replay-store.ts with esbuild.
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { stats, tempDir } from "./lib.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BURST = 200;
const STEADY = 1000;
const RATE = 500; // adds per second

// The store as it was: durable before it returns, and the event loop waits meanwhile.
class SyncStore {
  constructor(file) {
    this.fd = openSync(file, "a");
  }
  add(jti, until) {
    writeSync(this.fd, JSON.stringify({ jti, exp: until }) + "\n");
    fdatasyncSync(this.fd);
  }
  close() {
    closeSync(this.fd);
  }
}

// No store at all: the event-loop delay this machine shows anyway (timers, GC, other
// processes on the CPUs), the floor under both figures.
class NoStore {
  add() {}
  close() {}
}

async function loadReplayStore(dir) {
  const outfile = join(dir, "replay-store.mjs");
  await build({
    entryPoints: ["receiver/auth/replay-store.ts"],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    logLevel: "warning",
  });
  return (await import(pathToFileURL(outfile).href)).ReplayStore;
}

const until = () => Math.floor(Date.now() / 1000) + 300;
const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

// When an add's jti is on disk: when the sync store returns, when the async one resolves.
const onDisk = (added, started) =>
  added ? added.then(() => performance.now() - started) : performance.now() - started;

// BURST requests arrive at once: when is each one's jti on disk, counted from the arrival?
async function burst(store, tag) {
  const started = performance.now();
  const latencies = await Promise.all(
    Array.from({ length: BURST }, (_, i) => onDisk(store.add(`${tag}-${i}`, until()), started)),
  );
  const totalMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return { totalMs, p50Ms: pct(latencies, 50), p99Ms: pct(latencies, 99) };
}

// STEADY adds at RATE per second, as tokens arriving: how long is the event loop held?
// The arrivals are paced by a 1 ms timer, so a blocked loop shows as a late timer.
async function steady(store, tag) {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  let issued = 0;
  let blockedMs = 0;
  const pending = [];
  const started = performance.now();
  delay.enable();
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(STEADY, Math.floor(((performance.now() - started) * RATE) / 1000));
      for (; issued < due; issued++) {
        const t = performance.now();
        pending.push(store.add(`${tag}-${issued}`, until()));
        blockedMs += performance.now() - t;
      }
      if (issued === STEADY) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  await Promise.all(pending);
  delay.disable();
  return {
    loopP99Ms: delay.percentile(99) / 1e6,
    loopMaxMs: delay.max / 1e6,
    blockedMs,
    durationMs: performance.now() - started,
  };
}

export async function benchReplay() {
  const dir = tempDir("replay");
  try {
    const ReplayStore = await loadReplayStore(dir);
    const kinds = {
      none: () => new NoStore(),
      sync: (file) => new SyncStore(file),
      async: (file) => new ReplayStore(file, () => {}),
    };
    const runs = { none: [], sync: [], async: [] };
    for (let run = 0; run < RUNS; run++) {
      // Alternate which goes first, so neither always meets a warmer disk.
      const order = run % 2 ? ["none", "async", "sync"] : ["none", "sync", "async"];
      for (const kind of order) {
        const file = join(dir, `${kind}-${run}.jsonl`);
        const store = kinds[kind](file);
        const b = await burst(store, `b${run}`);
        const s = await steady(store, `s${run}`);
        runs[kind].push({ ...b, ...s, syncs: store.syncs ?? BURST + STEADY });
        await store.close();
        rmSync(file, { force: true });
      }
    }
    const summary = (kind) => {
      const r = runs[kind];
      const of = (key) => stats(r.map((x) => x[key]));
      return {
        burstTotalMs: of("totalMs"),
        burstP50Ms: of("p50Ms"),
        burstP99Ms: of("p99Ms"),
        burstAddsPerSecond: stats(r.map((x) => (BURST / x.totalMs) * 1000)),
        loopP99Ms: of("loopP99Ms"),
        loopMaxMs: of("loopMaxMs"),
        blockedMs: of("blockedMs"),
        datasyncs: of("syncs"),
      };
    };
    return {
      burst: BURST,
      steady: STEADY,
      rate: RATE,
      floor: summary("none"),
      sync: summary("sync"),
      async: summary("async"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
