import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppStatus } from "../../receiver/protocol.js";
import { call, sha256 } from "../helpers/api-client.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { mint } from "../helpers/tokens.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

// A deploy or swap of the artifact that is live already (docs/design.md §4): ok with
// `unchanged`, no hold, the same servers; `?force=1` swaps anyway; a bad force is a 400.
describe("the live artifact again", () => {
  let ws: Workspace;
  let rx: ReceiverProcess;
  beforeAll(async () => {
    ws = createWorkspace();
    rx = await startReceiver(ws.configFile);
  });
  afterAll(() => rx?.stop());

  const pids = async () => {
    const r = await call(rx.api, "/v1/apps/webdemo", { token: await mint({ op: "status" }) });
    return (r.json as AppStatus).instances.map((i) => i.pid);
  };
  const upload = async (op: "deploy" | "upload", body: Buffer, query = "") =>
    call(rx.api, `/v1/apps/webdemo/${op}${query}`, {
      token: await mint({ op, sha256: sha256(body) }),
      body,
    });
  const swap = async (query = "") =>
    call(rx.api, `/v1/apps/webdemo/swap${query}`, {
      token: await mint({ op: "swap" }),
      method: "POST",
    });

  it("deploy: unchanged with no hold step and the same servers; force=1 restarts them", async () => {
    const v1 = readFileSync(ws.exeFile);
    const before = await pids();
    const r = await upload("deploy", v1);
    expect(r.result).toMatchObject({
      ok: true,
      unchanged: true,
      holdMs: 0,
      version: { sha256: sha256(v1) },
    });
    expect(
      r.events.filter((e) => e.type === "step").map((e) => e.type === "step" && e.step),
    ).toEqual(["upload", "upload"]);
    expect(await pids()).toEqual(before);

    const forced = await upload("deploy", v1, "?force=1");
    expect(forced.result).toMatchObject({ ok: true, version: { sha256: sha256(v1) } });
    expect(forced.result).not.toHaveProperty("unchanged");
    const after = await pids();
    expect(after.some((pid) => before.includes(pid))).toBe(false);
  });

  it("swap of a staged copy of the live file: unchanged, unless forced", async () => {
    const v1 = readFileSync(ws.exeFile);
    expect((await upload("upload", v1)).result).toMatchObject({ ok: true });
    const before = await pids();
    expect((await swap()).result).toMatchObject({ ok: true, unchanged: true, holdMs: 0 });
    expect(await pids()).toEqual(before);
    const forced = await swap("?force=true");
    expect(forced.result).toMatchObject({ ok: true });
    expect(forced.result).not.toHaveProperty("unchanged");
  });

  it("force other than 1/0/true/false: 400 ERR_BAD_QUERY naming it", async () => {
    const r = await swap("?force=yes");
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({
      error: { code: "ERR_BAD_QUERY", message: 'force must be 1 or 0, not "yes"' },
    });
  });
});
