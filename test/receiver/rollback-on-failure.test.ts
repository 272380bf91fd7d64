import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StreamEvent } from "../../receiver/protocol.js";
import { call, type CallResult } from "../helpers/api-client.js";
import { deploy as deployFile } from "../helpers/deploy.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { mint } from "../helpers/tokens.js";
import { waitFor } from "../helpers/wait-for.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";
import { formatReport, holdWindows, loadReport, openLoad } from "../load/open-load.mjs";

const RATE = 50; // requests per second, GET / and POST / with a body

describe("a new build that fails its health check", () => {
  let ws: Workspace;
  let rx: ReceiverProcess;
  const deploy = (file: string, onEvent?: (event: StreamEvent) => void) =>
    deployFile(rx, file, onEvent);
  beforeAll(async () => {
    ws = createWorkspace({ app: { health: { path: "/health", timeout: "2s" } } });
    rx = await startReceiver(ws.configFile);
    expect((await deploy(ws.version("v2"))).result?.ok).toBe(true);
  });
  afterAll(() => rx?.stop());

  it("is rolled back: ok:false with the reason, v2 keeps serving, exeFile is byte-identical to v2", async () => {
    const load = openLoad({ url: rx.gate(), rate: RATE, mix: { get: 3, post: 1 } });
    const holds = holdWindows();
    let r: CallResult;
    try {
      await waitFor(() => load.samples.some((s) => s.version === "v2"), "traffic");
      r = await deploy(ws.version("v3", { unhealthy: true }), holds.onEvent);
    } finally {
      await load.stop();
    }
    const report = loadReport(load.samples, holds);
    console.log(`a rolled-back deploy at ${RATE} rps:\n${formatReport(report)}`);
    expect(r.status).toBe(200);
    expect(r.result).toMatchObject({
      ok: false,
      rolledBack: true,
      error: { code: "ERR_HEALTH_CHECK" },
      version: { version: "testapp v2" },
    });
    expect(r.result!.ok === false && r.result!.error.message).toMatch(/health/);
    expect(
      r.events.some((e) => e.type === "step" && e.step === "rollback" && e.state === "done"),
    ).toBe(true);
    expect(readFileSync(ws.exeFile)).toEqual(readFileSync(ws.version("v2")));
    expect(await (await fetch(`${rx.gate()}/`)).text()).toBe("v2\n");
    expect(report.failures, formatReport(report)).toEqual({});
    expect(report).toMatchObject({ sent: load.scheduled, failed: 0 });
    // Every answer came from v2: the requests held while v3 failed its check went to v2 again.
    expect(report.versions).toEqual(["v2"]);
    expect(report.holds).toBe(1);
    expect(report.heldByHold[0]).toBeGreaterThan(4);
  });

  it("that crashes at start is rolled back with its last output lines in the result", async () => {
    const r = await deploy(ws.version("v4", { crashAtStart: 3 }));
    expect(r.result).toMatchObject({
      ok: false,
      rolledBack: true,
      error: { code: "ERR_HEALTH_CHECK" },
    });
    expect(r.result!.ok === false && r.result!.error.message).toMatch(/exited|code 3/);
    expect(r.result!.ok === false && r.result!.output?.join("\n")).toMatch(/v4: cannot start/);
    expect(readFileSync(ws.exeFile)).toEqual(readFileSync(ws.version("v2")));
    expect(await (await fetch(`${rx.gate()}/`)).text()).toBe("v2\n");
  });

  it("journals the rollback", async () => {
    const r = await call(rx.api, "/v1/apps/webdemo", { token: await mint({ op: "status" }) });
    const recent = (r.json as { recent: { outcome: string; error?: { code: string } }[] }).recent;
    expect(recent[0]).toMatchObject({
      outcome: "rolled-back",
      error: { code: "ERR_HEALTH_CHECK" },
    });
  });
});
