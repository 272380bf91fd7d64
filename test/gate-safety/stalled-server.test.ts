// Passive health with a real hung server: one of two servers is SIGSTOPped under load
// (its port still accepts connections, nothing answers). Within gate.stallTimeout (2 s
// by default) it leaves rotation, its idempotent requests go to the other server once
// its health check has not brought it back, and requests sent after that are served by
// the other server at once. SIGCONT brings it back through its health check.
import { afterEach, describe, expect, it } from "vitest";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { waitFor } from "../helpers/wait-for.js";
import {
  failure,
  formatReport,
  holdWindows,
  loadReport,
  openLoad,
  type Sample,
} from "../load/open-load.mjs";
import {
  appStatus,
  gateWorkspace,
  latencies,
  ms,
  receiverWarnings,
  SLOW,
  tearDown,
  type GateWorkspace,
} from "./kit.js";

const RATE = 60; // GET / per second
const STALL_MS = 2_000; // gate.stallTimeout's default
const BOUND_MS = STALL_MS + 1_000; // after this, no request should wait on the hung server
const AFTER_BOUND = 3 * RATE; // requests sent after the bound to see before SIGCONT

describe("a server that hangs (SIGSTOP) under load", SLOW, () => {
  let ws: GateWorkspace | undefined;
  let rx: ReceiverProcess | undefined;
  let stopped: number | undefined;
  afterEach(async () => {
    if (stopped !== undefined) signal(stopped, "SIGCONT");
    await tearDown(rx, ws);
    ws = rx = stopped = undefined;
  }, SLOW.timeout);

  it("leaves rotation within stallTimeout; later requests are served at once, none fails", async () => {
    // health.timeout (10 s) outlasts the stop, so the recheck can bring the same process back.
    const w = (ws = gateWorkspace({ app: { health: { path: "/health", timeout: "10s" } } }));
    const r = (rx = await startReceiver(w.configFile));
    const load = openLoad({ url: r.gate(), rate: RATE, durationMs: 60_000, timeoutMs: 30_000 });
    const good = () => load.samples.filter((s) => failure(s) === undefined).length;
    let stopAt = 0;
    let contAt = 0;
    try {
      // A few seconds of traffic first: the retry budget is a share of recent requests,
      // and a gate that has served for a while has a full window of them.
      await waitFor(() => good() >= 5 * RATE, "steady traffic through the gate", 30_000);
      const { instances } = await appStatus(r);
      const pid = instances[0]!.pid!;
      stopAt = performance.now();
      signal((stopped = pid), "SIGSTOP");
      // The fault lasts until enough requests sent after the bound have been answered.
      const afterBound = () =>
        load.samples.filter((s) => s.sentAt > stopAt + BOUND_MS && s.status === 200).length;
      await waitFor(() => afterBound() >= AFTER_BOUND, "answers to requests sent after the bound");
      contAt = performance.now();
      signal(pid, "SIGCONT");
      stopped = undefined;
      await waitFor(
        async () => (await appStatus(r)).instances.every((s) => s.state === "healthy"),
        "both servers healthy again",
        20_000,
      );
      const before = good();
      await waitFor(() => good() >= before + RATE, "traffic on both servers again");
    } finally {
      await load.stop();
    }

    const samples = load.samples;
    const after = (s: Sample) => s.sentAt > stopAt + BOUND_MS && s.sentAt < contAt;
    const during = (s: Sample) => s.sentAt >= stopAt && s.sentAt <= stopAt + BOUND_MS;
    const all = latencies(samples.map((s) => s.latencyMs));
    const early = latencies(samples.filter(during).map((s) => s.latencyMs));
    const late = latencies(samples.filter(after).map((s) => s.latencyMs));
    const report = loadReport(samples, holdWindows());
    console.log(
      `SIGSTOP for ${ms(contAt - stopAt)} ms at ${RATE} rps: all ${all.count} requests max ${ms(all.max)} p99 ${ms(all.p99)} ms; ` +
        `sent in the first ${BOUND_MS} ms of the stop: ${early.count}, max ${ms(early.max)} p99 ${ms(early.p99)} ms; ` +
        `sent after it (until SIGCONT): ${late.count}, max ${ms(late.max)} p99 ${ms(late.p99)} ms\n` +
        `${formatReport(report)}\n${receiverWarnings(r)}`,
    );

    expect(report.failures).toEqual({});
    expect(report.failed).toBe(0);
    expect(r.logs.join("\n")).toMatch(/instance 0 at \S+ .*no answer for 2000 ms/);
    // The functional check, not a benchmark: requests sent once the hung server had left
    // rotation did not wait for it (its stop lasted twice as long as this bound).
    expect(late.count).toBeGreaterThanOrEqual(AFTER_BOUND);
    expect(late.max!).toBeLessThan((contAt - stopAt) / 2);
  });
});

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // gone already (the receiver stopped it)
  }
}
