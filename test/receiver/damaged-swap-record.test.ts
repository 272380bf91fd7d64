// A receiver killed mid-swap whose swap record is then found damaged still
// recovers: exeFile is checked by digest, servers start, the journal says so.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { reapStale } from "../../receiver/pool/reap.js";
import type { AppStatus } from "../../receiver/protocol.js";
import { call, sha256 } from "../helpers/api-client.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { mint } from "../helpers/tokens.js";
import { waitFor } from "../helpers/wait-for.js";
import { createWorkspace } from "../helpers/workspace.js";

describe("a receiver killed mid-swap, its swap record then torn", () => {
  let rx: ReceiverProcess | undefined;
  let data: string | undefined;
  afterEach(async () => {
    await rx?.stop();
    if (data) await reapStale(join(data, "apps", "webdemo", "servers.json"), () => {});
  });

  it("recovers instead of reading 'no swap in progress': keeps the new file, serves, journals", async () => {
    const ws = createWorkspace();
    data = ws.data;
    rx = await startReceiver(ws.configFile);
    const v2 = readFileSync(ws.version("v2", { startDelayMs: 300 }));
    const first = rx;
    let killed: Promise<void> | undefined;
    await call(rx.api, "/v1/apps/webdemo/deploy", {
      token: await mint({ op: "deploy", sha256: sha256(v2) }),
      body: v2,
      onEvent: (e) => {
        if (!killed && e.type === "step" && e.step === "reload" && e.state === "start")
          killed = first.kill();
      },
    }).catch(() => undefined);
    await waitFor(() => killed !== undefined, "the kill at reload start");
    await killed;
    const record = join(ws.data, "apps", "webdemo", "swap.json");
    const text = readFileSync(record, "utf8");
    writeFileSync(record, text.slice(0, text.length / 2));

    rx = await startReceiver(ws.configFile);
    expect(await (await fetch(`${rx.gate()}/`)).text()).toBe("v2\n");
    expect(readFileSync(ws.exeFile).equals(v2)).toBe(true);
    const status = (await call(rx.api, "/v1/apps/webdemo", { token: await mint({ op: "status" }) }))
      .json as AppStatus;
    expect(status.instances.filter((s) => s.state === "healthy")).toHaveLength(2);
    expect(status.recent[0]).toMatchObject({
      op: "recover",
      outcome: "interrupted",
      message: expect.stringMatching(/record is damaged .*exeFile is the new file/),
    });
    expect(rx.logs.join("\n")).toMatch(/warn .*swap whose record is damaged/);
    expect(existsSync(record)).toBe(false);
    expect(existsSync(`${record}.damaged`)).toBe(true);
  });
});
