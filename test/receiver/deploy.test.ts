import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppStatus, StepEvent } from "../../receiver/protocol.js";
import { call, sha256 } from "../helpers/api-client.js";
import { deploy } from "../helpers/deploy.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { mint } from "../helpers/tokens.js";
import { waitFor } from "../helpers/wait-for.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";
import { formatReport, holdWindows, loadReport, openLoad } from "../load/open-load.mjs";

const DEPLOY_STEPS = ["upload", "hold", "unload", "swap", "reload", "release"];
const RATE = 50; // requests per second, GET / and POST / with a body, arriving whatever is held

describe("deploy end to end (real receiver, real servers, real gate)", () => {
  let ws: Workspace;
  let rx: ReceiverProcess;
  beforeAll(async () => {
    ws = createWorkspace();
    rx = await startReceiver(ws.configFile);
  });
  afterAll(() => rx?.stop());

  it("keeps every request answered through 10 consecutive deploys while answers switch version", async () => {
    const load = openLoad({ url: rx.gate(), rate: RATE, mix: { get: 3, post: 1 } });
    const holds = holdWindows();
    const holdMs: number[] = [];
    const answered = (version: string, from = 0) =>
      load.samples.slice(from).some((s) => s.version === version);
    try {
      await waitFor(() => answered("v1"), "traffic through the gate");
      for (let i = 2; i <= 11; i++) {
        const file = ws.version(`v${i}`);
        const r = await deploy(rx, file, holds.onEvent);
        expect(r.status).toBe(200);
        expect(r.result).toMatchObject({
          ok: true,
          op: "deploy",
          version: { sha256: sha256(readFileSync(file)), version: `testapp v${i}` },
        });
        const done = r.events
          .filter((e): e is StepEvent => e.type === "step" && e.state === "done")
          .map((e) => e.step);
        expect(done).toEqual(DEPLOY_STEPS);
        holdMs.push(r.result!.holdMs);
        const seen = load.samples.length;
        await waitFor(() => answered(`v${i}`, seen), `answers from v${i}`);
      }
    } finally {
      await load.stop();
    }
    const report = loadReport(load.samples, holds);
    console.log(`10 deploys at ${RATE} rps, holdMs ${holdMs.join(", ")}:\n${formatReport(report)}`);
    expect(report.failures, formatReport(report)).toEqual({});
    expect(report).toMatchObject({ sent: load.scheduled, failed: 0 });
    // Answers only ever move forward: each version answered in turn, and no request reached
    // an old server after a newer one had answered.
    expect(report.versions).toEqual(Array.from({ length: 11 }, (_, i) => `v${i + 1}`));
    // Requests kept arriving during each hold and waited there together: more than the
    // 4 at a time a closed loop of 4 clients could ever have sent.
    expect(report.holds).toBe(10);
    expect(Math.max(...report.heldByHold)).toBeGreaterThan(4);
    expect(readFileSync(ws.exeFile)).toEqual(readFileSync(ws.version("v11")));
  }, 120_000); // ten holds, each as long as two servers take to start on this machine

  it("reports the live version, kept releases and the history in status", async () => {
    const r = await call(rx.api, "/v1/apps/webdemo", { token: await mint({ op: "status" }) });
    expect(r.status).toBe(200);
    const status = r.json as AppStatus;
    expect(status.current).toMatchObject({
      sha256: sha256(readFileSync(ws.exeFile)),
      version: "testapp v11",
    });
    expect(status.staged).toBeNull();
    expect(status.instances).toHaveLength(2);
    expect(status.instances.every((s) => s.state === "healthy" && s.pid)).toBe(true);
    expect(status.releases).toHaveLength(3); // keepReleases: 3
    expect(status.releases[0]!.version).toBe("testapp v10");
    expect(status.recent[0]).toMatchObject({
      op: "deploy",
      outcome: "ok",
      who: { repository: "octo/webdemo", actor: "tester", keyId: "ci" },
    });
  });

  it("rolls back to the previous release, and to one named by id", async () => {
    const back = await call(rx.api, "/v1/apps/webdemo/rollback", {
      method: "POST",
      token: await mint({ op: "rollback" }),
    });
    expect(back.result).toMatchObject({
      ok: true,
      op: "rollback",
      version: { version: "testapp v10" },
    });
    // The rollback kept v11 and pruned the oldest release (keepReleases: 3).
    const status = (await call(rx.api, "/v1/apps/webdemo", { token: await mint({ op: "status" }) }))
      .json as AppStatus;
    expect(status.releases.map((r) => r.version)).toEqual([
      "testapp v11",
      "testapp v10",
      "testapp v9",
    ]);
    const oldest = status.releases.at(-1)!;
    const to = await call(rx.api, `/v1/apps/webdemo/rollback?to=${oldest.id}`, {
      method: "POST",
      token: await mint({ op: "rollback" }),
    });
    expect(to.result).toMatchObject({ ok: true, version: { sha256: oldest.sha256 } });
    expect(await (await fetch(`${rx.gate()}/`)).text()).toBe(`${oldest.version!.split(" ")[1]}\n`);
    const missing = await call(rx.api, "/v1/apps/webdemo/rollback?to=../../etc", {
      method: "POST",
      token: await mint({ op: "rollback" }),
    });
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ error: { code: "ERR_NO_RELEASE" } });
  });

  it("stages with upload and goes live with swap, as two calls", async () => {
    const file = ws.version("v20");
    const body = readFileSync(file);
    const up = await call(rx.api, "/v1/apps/webdemo/upload", {
      token: await mint({ op: "upload", sha256: sha256(body) }),
      body,
    });
    expect(up.result).toMatchObject({ ok: true, op: "upload", version: { sha256: sha256(body) } });
    expect(readFileSync(ws.updateFile)).toEqual(body);
    expect(await (await fetch(`${rx.gate()}/`)).text()).not.toBe("v20\n");
    const swap = await call(rx.api, "/v1/apps/webdemo/swap", {
      method: "POST",
      token: await mint({ op: "swap" }),
    });
    expect(swap.result).toMatchObject({ ok: true, op: "swap", version: { sha256: sha256(body) } });
    expect(await (await fetch(`${rx.gate()}/`)).text()).toBe("v20\n");
    const again = await call(rx.api, "/v1/apps/webdemo/swap", {
      method: "POST",
      token: await mint({ op: "swap" }),
    });
    expect(again.status).toBe(404);
    expect(again.json).toMatchObject({ error: { code: "ERR_NOTHING_STAGED" } });
  });
});
