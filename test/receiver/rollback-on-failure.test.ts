import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call } from "../helpers/api-client.js";
import { deploy as deployFile } from "../helpers/deploy.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { steadyLoad } from "../helpers/steady-load.js";
import { mint } from "../helpers/tokens.js";
import { waitFor } from "../helpers/wait-for.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

describe("a new build that fails its health check", () => {
  let ws: Workspace;
  let rx: ReceiverProcess;
  const deploy = (file: string) => deployFile(rx, file);
  beforeAll(async () => {
    ws = createWorkspace({ app: { health: { path: "/health", timeout: "2s" } } });
    rx = await startReceiver(ws.configFile);
    expect((await deploy(ws.version("v2"))).result?.ok).toBe(true);
  });
  afterAll(() => rx?.stop());

  it("is rolled back: ok:false with the reason, v2 keeps serving, exeFile is byte-identical to v2", async () => {
    const load = steadyLoad(`${rx.gate()}/`, 2);
    await waitFor(() => load.report.ok >= 10, "traffic");
    const r = await deploy(ws.version("v3", { unhealthy: true }));
    const report = await load.stop();
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
    expect(report.failures).toEqual([]);
    expect(new Set(report.answers)).toEqual(new Set(["v2"]));
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
