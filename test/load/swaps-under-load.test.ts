// Guarantees 1 and 2 under an open-model load: requests keep arriving at a fixed rate
// (small GETs, requests slower than a typical drain, POSTs with bodies; keep-alive and
// fresh connections) while swaps run one after another, and not one of them fails. The
// full run (500 rps for 60 s, 20 swaps) is `BENCH_ONLY=load npm run bench`.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, sha256 } from "../helpers/api-client.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { mint } from "../helpers/tokens.js";
import { waitFor } from "../helpers/wait-for.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";
import { formatReport, holdWindows, loadReport, openLoad, type HoldWindows } from "./open-load.mjs";

const RATE = 200;
const SWAPS = 5;
const SLOW_MS = 300; // longer than a drain usually waits, far below drainTimeout
// Answers from each new version before the next swap starts: about a second of traffic
// outside any hold between swaps, however fast or slow the machine is.
const BETWEEN_SWAPS = RATE;

describe("swaps under an open-model load", () => {
  let ws: Workspace;
  let rx: ReceiverProcess;
  beforeAll(async () => {
    // Room for every arrival of a whole hold.timeout (RATE × 20 s): the queue's bound is
    // hold-overflow.test.ts's subject; here nothing may be refused on a slow machine either.
    const hold = { timeout: "20s", maxRequests: RATE * 25 };
    ws = createWorkspace({ app: { drainTimeout: "5s", hold } });
    rx = await startReceiver(ws.configFile);
  });
  afterAll(() => rx?.stop());

  async function deploy(file: string, holds: HoldWindows) {
    const body = readFileSync(file);
    const token = await mint({ op: "deploy", sha256: sha256(body) });
    return call(rx.api, "/v1/apps/webdemo/deploy", { token, body, onEvent: holds.onEvent });
  }

  it(`loses no request at ${RATE} rps through ${SWAPS} swaps`, async () => {
    const builds = { A: ws.version("A"), B: ws.version("B") };
    const holds = holdWindows();
    const load = openLoad({
      url: rx.gate(),
      rate: RATE,
      durationMs: 40_000, // a bound; the test stops it once the last swap is seen
      mix: { get: 6, slow: 2, post: 2 },
      slowMs: SLOW_MS,
      postBytes: 4096,
      timeoutMs: 30_000,
    });
    const answersFrom = (version: string) =>
      load.samples.filter((s) => s.version === version).length;
    const expected = ["v1"];
    const holdMs: number[] = [];
    try {
      await waitFor(() => answersFrom("v1") >= BETWEEN_SWAPS, "traffic through the gate");
      for (let i = 0; i < SWAPS; i++) {
        const version = i % 2 === 0 ? "B" : "A"; // two builds, alternately
        const r = await deploy(builds[version], holds);
        expect(r.status).toBe(200);
        expect(r.result).toMatchObject({ ok: true, version: { version: `testapp ${version}` } });
        expected.push(version);
        holdMs.push(r.result!.holdMs);
        const before = answersFrom(version);
        await waitFor(
          () => answersFrom(version) >= before + BETWEEN_SWAPS,
          `${BETWEEN_SWAPS} answers from ${version}`,
        );
      }
    } finally {
      await load.stop();
      const seconds = (performance.now() - load.startedAt) / 1000;
      console.log(
        `${holdMs.length} swaps (holdMs ${holdMs.join(", ")}) under ${RATE} rps for ${seconds.toFixed(1)} s, ` +
          `generator at most ${load.maxLagMs.toFixed(0)} ms behind:\n` +
          formatReport(loadReport(load.samples, holds)),
      );
      // What the receiver itself found worth a warning (a server it could not reach, …).
      const warnings = rx.logs.filter((line) => / (warn|error) /.test(line));
      if (warnings.length) console.log(`receiver warnings:\n${warnings.slice(0, 20).join("\n")}`);
    }

    const report = loadReport(load.samples, holds);
    expect(report.failures).toEqual({});
    expect(report).toMatchObject({ sent: load.scheduled, failed: 0, resets: 0 });
    expect(load.samples.every((s) => s.status === 200)).toBe(true);
    expect(report.holds).toBe(SWAPS);
    expect(report.held.count).toBeGreaterThan(0);
    // Old servers finish before new ones start, so answers never go back to a version.
    expect(report.versions).toEqual(expected);
  });
});
