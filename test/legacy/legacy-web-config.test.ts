import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppStatus } from "../../receiver/protocol.js";
import { call } from "../helpers/api-client.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { mint } from "../helpers/tokens.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";
import { updateExe, uploadExe } from "./curl.js";
import { RICK } from "./legacy-workspace.js";

// The seed's web.config, in the web folder beside deploy/ as Web Connection lays it out.
const WEB_CONFIG = `<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <webConnectionConfiguration>
    <add key="ExeFile" value="~\\..\\deploy\\webdemo" />
    <add key="UpdateFile" value="~\\..\\deploy\\webdemo_update" />
  </webConnectionConfiguration>
</configuration>
`;

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

describe("an app configured from its web.config, with the seed's links", () => {
  let ws: Workspace;
  let rx: ReceiverProcess;
  beforeAll(async () => {
    ws = createWorkspace({
      app: {
        from: "./web/web.config",
        exeFile: undefined,
        updateFile: undefined,
        versionCommand: undefined,
        maxUploadSize: "512MiB",
        legacy: { users: [await RICK] },
      },
      config: {
        auth: { keys: [{ id: "ci", secret: "${HOTSWAP_SECRET}" }], maxFailuresPerMinute: 2 },
      },
    });
    mkdirSync(join(ws.dir, "web"));
    writeFileSync(join(ws.dir, "web", "web.config"), WEB_CONFIG);
    rx = await startReceiver(ws.configFile);
  });
  afterAll(() => rx?.stop());

  it("takes ExeFile and UpdateFile from it, says so in status, and updates through the links", async () => {
    const status = async () =>
      (await call(rx.api, "/v1/apps/webdemo", { token: await mint({ op: "status" }) }))
        .json as AppStatus;
    expect(await status()).toMatchObject({
      exeFile: ws.exeFile,
      updateFile: ws.updateFile,
      sources: { exeFile: "web.config", updateFile: "web.config" },
    });
    const build = ws.version("v2");
    expect((await uploadExe(`${rx.api}/webdemo/UploadExe.wc`, build)).body).toContain(
      "File has been uploaded",
    );
    expect(readFileSync(ws.updateFile)).toEqual(readFileSync(build));
    const updated = await updateExe(`${rx.api}/webdemo/wc.wc?_maintain~UpdateExe`);
    expect(updated.status).toBe(200);
    expect(updated.body).toContain("Exe Updated");
    expect(readFileSync(ws.exeFile)).toEqual(readFileSync(build));
    expect(await (await fetch(`${rx.gate()}/`)).text()).toBe("v2\n");
  });

  it("stages a large form with the receiver's memory flat", async () => {
    // Far more than the receiver grows by when it warms up (about 40 MiB on either
    // upload path): a reader that kept the form would grow by all of it.
    const mib = 256;
    const big = join(ws.dir, "builds", "big");
    const hash = createHash("sha256");
    const fd = openSync(big, "w");
    const block = Buffer.alloc(1 << 20);
    for (let i = 0; i < mib; i++) {
      writeSync(fd, block.fill(i % 251));
      hash.update(block);
    }
    closeSync(fd);
    const pid = rx.child.pid!;
    const before = await rssMiB(pid);
    let peak = before;
    const sampler = setInterval(() => {
      rssMiB(pid).then(
        (now) => (peak = Math.max(peak, now)),
        () => {},
      );
    }, 5);
    const r = await uploadExe(`${rx.api}/webdemo/UploadExe.wc`, big).finally(() =>
      clearInterval(sampler),
    );
    expect(r.status).toBe(200);
    expect(r.body).toContain(hash.digest("hex"));
    console.log(`${mib} MiB form: receiver RSS ${before.toFixed(1)} → peak ${peak.toFixed(1)} MiB`);
    expect(peak - before).toBeLessThan(mib / 2);
  });

  it("answers 429 once an address has failed too often, even with the right password", async () => {
    const url = `${rx.api}/webdemo/UpdateExe.wc`;
    expect((await updateExe(url, "rick:wrong")).status).toBe(401);
    expect((await updateExe(url, "rick:wrong")).status).toBe(401);
    const limited = await updateExe(url, "rick:pw");
    expect(limited.status).toBe(429);
    expect(limited.body).toContain("ERR_RATE_LIMITED");
  });
});
