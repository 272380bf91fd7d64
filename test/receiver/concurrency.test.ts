import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, sha256, type CallResult } from "../helpers/api-client.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { mint } from "../helpers/tokens.js";
import { waitFor } from "../helpers/wait-for.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

describe("one swap per app at a time", () => {
  let ws: Workspace;
  let rx: ReceiverProcess;
  beforeAll(async () => {
    ws = createWorkspace();
    rx = await startReceiver(ws.configFile);
  });
  afterAll(() => rx?.stop());

  it("answers a second deploy 409 at once while the first runs, and the first completes", async () => {
    const slow = readFileSync(ws.version("v2", { startDelayMs: 1500 }));
    const fast = readFileSync(ws.version("v3"));
    let holding = false;
    let first: CallResult | undefined;
    const running = call(rx.api, "/v1/apps/webdemo/deploy", {
      token: await mint({ op: "deploy", sha256: sha256(slow) }),
      body: slow,
      onEvent: (e) => (holding ||= e.type === "step" && e.step === "hold"),
    }).then((r) => (first = r));
    await waitFor(() => holding, "the first deploy to hold");
    const second = await call(rx.api, "/v1/apps/webdemo/deploy", {
      token: await mint({ op: "deploy", sha256: sha256(fast) }),
      body: fast,
    });
    expect(first).toBeUndefined(); // the 409 came back while the first was still running
    expect(second.status).toBe(409);
    expect(second.json).toMatchObject({
      error: { code: "ERR_BUSY", message: expect.stringMatching(/in progress/) },
    });
    expect((await running).result).toMatchObject({ ok: true });
    expect(readFileSync(ws.exeFile)).toEqual(slow);
  });
});
