// Four ways a new build can be bad, each deployed over a good v1: it must end in a
// rollback (v1 back in exeFile and serving, the reason in the result) or, for a build
// that ignores SIGTERM, in a SIGKILL after stopTimeout at the next deploy.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { FailedResult } from "../../receiver/protocol.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { waitFor } from "../helpers/wait-for.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";
import {
  formatReport,
  holdWindows,
  loadReport,
  openLoad,
  type HoldWindows,
  type OpenLoad,
} from "../load/open-load.mjs";
import {
  alive,
  appStatus,
  deploy,
  gateAnswer,
  expectOnlyRunning,
  reapLeftovers,
  shutDown,
  steps,
  stepTrail,
  within,
  writeFaultyApp,
  SLOW,
} from "./fault-kit.js";

const RATE = 50; // requests per second through the gate, GET / and POST / with a body

describe("a bad new build", SLOW, () => {
  let ws: Workspace | undefined;
  let rx: ReceiverProcess | undefined;
  let load: OpenLoad | undefined;
  afterEach(async () => {
    await load?.stop();
    await shutDown(rx);
    await reapLeftovers(ws);
    if (ws) rmSync(ws.dir, { recursive: true, force: true });
    ws = rx = load = undefined;
  }, SLOW.timeout);

  async function start(app: Record<string, unknown> = {}) {
    const w = (ws = createWorkspace({
      app: {
        health: { path: "/health", timeout: "2s", settle: "3s" },
        stopTimeout: "1s",
        ...app,
      },
    }));
    rx = await startReceiver(w.configFile);
    return { w, rx, v1: readFileSync(w.exeFile) };
  }

  // Clients that keep arriving at RATE whatever the gate holds, until stopped.
  function traffic(r: ReceiverProcess): OpenLoad {
    return (load = openLoad({ url: r.gate(), rate: RATE, mix: { get: 3, post: 1 } }));
  }
  const answered = (l: OpenLoad, version: string) => l.samples.some((s) => s.version === version);

  // No request failed, every answer came from `versions` in this order, and the one hold
  // kept more requests waiting at once than a closed loop of a few clients could.
  async function expectServedThroughHold(l: OpenLoad, holds: HoldWindows, versions: string[]) {
    const report = loadReport(await l.stop(), holds);
    expect(report.failures, formatReport(report)).toEqual({});
    expect(report).toMatchObject({ sent: l.scheduled, failed: 0, holds: 1 });
    expect(report.versions).toEqual(versions);
    expect(report.heldByHold[0], formatReport(report)).toBeGreaterThan(4);
  }

  // v1 is back: in exeFile byte for byte, answering at the gate, in the status, with
  // its two servers the only processes running exeFile.
  async function expectV1Back(w: Workspace, r: ReceiverProcess, v1: Buffer) {
    expect(readFileSync(w.exeFile).equals(v1)).toBe(true);
    expect(await gateAnswer(r)).toBe("200 v1");
    const status = await appStatus(r);
    expect(status.current?.version).toBe("testapp v1");
    expect(status.instances.map((s) => s.state)).toEqual(["healthy", "healthy"]);
    await expectOnlyRunning(
      w.exeFile,
      status.instances.map((s) => s.pid!),
    );
    return status;
  }

  it("that crashes at start is rolled back: ERR_HEALTH_CHECK with its output, no failed request", async () => {
    const { w, rx: r, v1 } = await start();
    const l = traffic(r);
    const holds = holdWindows();
    await waitFor(() => answered(l, "v1"), "traffic through the gate");
    const d = await deploy(r, w.version("v2", { crashAtStart: 3 }), holds.onEvent);
    await expectServedThroughHold(l, holds, ["v1"]);
    expect(d.status).toBe(200);
    expect(d.result).toMatchObject({
      ok: false,
      rolledBack: true,
      error: { code: "ERR_HEALTH_CHECK" },
      version: { version: "testapp v1" },
    });
    const result = d.result as FailedResult;
    expect(result.error.message).toMatch(/exited with code 3/);
    expect(result.output?.join("\n")).toMatch(/v2: cannot start, exiting with 3/);
    expect(stepTrail(d.events)).toContain("rollback:done");
    const status = await expectV1Back(w, r, v1);
    expect(status.recent[0]).toMatchObject({
      op: "deploy",
      outcome: "rolled-back",
      error: { code: "ERR_HEALTH_CHECK" },
    });
  });

  it("that never becomes healthy is rolled back within health.timeout: ERR_HEALTH_CHECK", async () => {
    const { w, rx: r, v1 } = await start();
    const l = traffic(r);
    const holds = holdWindows();
    await waitFor(() => answered(l, "v1"), "traffic through the gate");
    const d = await deploy(r, w.version("v2", { unhealthy: true }), holds.onEvent);
    await expectServedThroughHold(l, holds, ["v1"]);
    expect(d.result).toMatchObject({
      ok: false,
      rolledBack: true,
      error: { code: "ERR_HEALTH_CHECK" },
      version: { version: "testapp v1" },
    });
    const result = d.result as FailedResult;
    expect(result.error.message).toMatch(/health/);
    expect(result.output?.join("\n")).toMatch(/v2 listening on/);
    await expectV1Back(w, r, v1);
  });

  // A definite answer is not waited out: with a health.timeout no test would sit through,
  // the deploy ends after three probes of the same 404, and the held clients get v1.
  it("whose health path answers 404 is rolled back after 3 probes, not at health.timeout", async () => {
    const {
      w,
      rx: r,
      v1,
    } = await start({
      health: { path: "/health", timeout: "10m" },
      hold: { timeout: "15m", maxRequests: 1000 },
    });
    const l = traffic(r);
    const holds = holdWindows();
    await waitFor(() => answered(l, "v1"), "traffic through the gate");
    const v2 = w.version("v2", { healthStatus: 404 });
    const d = await within(deploy(r, v2, holds.onEvent), 60_000, "the deploy of a 404 build");
    await expectServedThroughHold(l, holds, ["v1"]);
    expect(d.result).toMatchObject({
      ok: false,
      rolledBack: true,
      error: { code: "ERR_HEALTH_CHECK" },
      version: { version: "testapp v1" },
    });
    const result = d.result as FailedResult;
    expect(result.error.message).toMatch(
      /server #[01] failed its health check: GET \/health answered 404 3 times in a row, .*set health\.path/,
    );
    // Each server was asked three times, no more: the judgement, not the clock, ended it.
    const probes = (result.output ?? []).filter((line) => / health probe \d+$/.test(line));
    expect(probes.some((line) => line.endsWith("health probe 3"))).toBe(true);
    expect(probes.some((line) => line.endsWith("health probe 4"))).toBe(false);
    await expectV1Back(w, r, v1);
  });

  it("that passes its health check and dies seconds later is rolled back: ERR_UNSTABLE names the server", async () => {
    const { w, rx: r, v1 } = await start();
    const v2 = writeFaultyApp(join(w.dir, "builds", "v2"), { version: "v2", dieAfterMs: 1500 });
    const d = await deploy(r, v2);
    expect(d.result).toMatchObject({
      ok: false,
      rolledBack: true,
      error: { code: "ERR_UNSTABLE" },
      version: { version: "testapp v1" },
    });
    const result = d.result as FailedResult;
    expect(result.error.message).toMatch(/server #[01] stopped within health\.settle/);
    expect(result.output?.join("\n")).toMatch(/v2: dying after 1500 ms/);
    // It went live (reload done, hold released), then the settle watch caught it.
    const trail = stepTrail(d.events);
    expect(trail.indexOf("reload:done")).toBeGreaterThan(-1);
    expect(trail.indexOf("settle:start")).toBeGreaterThan(trail.indexOf("release:done"));
    expect(trail.indexOf("rollback:done")).toBeGreaterThan(trail.indexOf("settle:start"));
    const settle = steps(d.events).filter((e) => e.step === "settle" && e.state !== "start");
    expect(settle.map((e) => e.message).join("\n")).toMatch(/server #[01] stopped/);
    const status = await expectV1Back(w, r, v1);
    expect(status.recent[0]).toMatchObject({
      op: "deploy",
      outcome: "rolled-back",
      error: { code: "ERR_UNSTABLE" },
    });
  });

  describe("that ignores SIGTERM", () => {
    it("goes live, and at the next deploy its servers are SIGKILLed after stopTimeout", async () => {
      const { w, rx: r } = await start();
      const stubborn = await deploy(r, w.version("v2", { ignoreSigterm: true }));
      expect(stubborn.result).toMatchObject({ ok: true, version: { version: "testapp v2" } });
      expect(await gateAnswer(r)).toBe("200 v2");
      const v2Pids = (await appStatus(r)).instances.map((s) => s.pid!);
      expect(v2Pids.every(alive)).toBe(true);

      const l = traffic(r);
      const holds = holdWindows();
      await waitFor(() => answered(l, "v2"), "traffic through the gate");
      // Bounded: without the SIGKILL the unload would wait for ever.
      const v3 = w.version("v3");
      const next = await within(deploy(r, v3, holds.onEvent), 45_000, "the deploy over v2");
      expect(next.result).toMatchObject({ ok: true, version: { version: "testapp v3" } });
      expect(stepTrail(next.events)).toContain("unload:done");
      await waitFor(() => answered(l, "v3"), "answers from v3");
      await expectServedThroughHold(l, holds, ["v2", "v3"]);

      for (const pid of v2Pids) expect(alive(pid)).toBe(false);
      await expectOnlyRunning(
        w.exeFile,
        (await appStatus(r)).instances.map((s) => s.pid!),
      );
      expect(await gateAnswer(r)).toBe("200 v3");

      // A clean kill says so: the workflow log must tell why the unload took stopTimeout.
      const said = next.events
        .map((e) => (e.type === "log" || e.type === "step" ? (e.message ?? "") : ""))
        .join("\n");
      expect(said).toMatch(/SIGKILL|stopTimeout|did not stop/);
    });
  });
});
