import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { waitFor } from "../helpers/wait-for.js";
import { createWorkspace } from "../helpers/workspace.js";
import { formatReport, loadReport, openLoad, type OpenLoad } from "../load/open-load.mjs";
import { deploy, stepsDone } from "./overlap-fixtures.js";

// A build that passes its health check; its server #1 exits a second and a half later
// (the other serves on, so a request the dying one took can go to it once more).
const shortLived = `#!/usr/bin/env node
const http = require("node:http");
if (process.argv.includes("--version")) { console.log("testapp v2"); process.exit(0); }
const server = http.createServer((req, res) => res.end(req.url === "/health" ? "ok" : "v2\\n"));
server.listen(Number(process.env.PORT), "127.0.0.1", () => {
  if (process.env.INSTANCE === "1") setTimeout(() => process.exit(7), 1500);
});
`;

// GET / only: the short-lived build answers "v2" to any request, and only GETs may go to
// another server when one dies under them (retry policy).
const RATE = 50;

describe("strategy: overlap with health.settle", () => {
  let rx: ReceiverProcess | undefined;
  let load: OpenLoad | undefined;
  afterEach(async () => {
    await load?.stop();
    await rx?.stop();
  });

  it("switches back to the old servers, which were never stopped, when a new one dies, and no request fails", async () => {
    const ws = createWorkspace({
      app: {
        strategy: "overlap",
        env: { PORT: "{port}", INSTANCE: "{instance}" },
        health: { path: "/health", timeout: "5s", settle: "5s" },
      },
    });
    rx = await startReceiver(ws.configFile);
    const v1 = readFileSync(ws.exeFile);
    const build = join(ws.dir, "builds", "v2");
    writeFileSync(build, shortLived);
    chmodSync(build, 0o755);
    const traffic = (load = openLoad({ url: rx.gate(), rate: RATE }));
    await waitFor(
      () => traffic.samples.some((s) => s.version === "v1"),
      "traffic through the gate",
    );

    const r = await deploy(rx, build);
    const report = loadReport(await traffic.stop());
    expect(r.result).toMatchObject({
      ok: false,
      rolledBack: true,
      error: { code: "ERR_UNSTABLE" },
    });
    expect(stepsDone(r.events)).toEqual([
      ...["upload", "swap", "start", "switch"],
      ...["switch", "drain", "unload", "rollback"],
    ]);
    // The settle step fails, naming the server that stopped.
    expect(r.events).toContainEqual(
      expect.objectContaining({
        type: "step",
        step: "settle",
        state: "failed",
        message: expect.stringMatching(/server #1 stopped within health.settle/),
      }),
    );
    expect(readFileSync(ws.exeFile)).toEqual(v1);
    expect(await (await fetch(`${rx.gate()}/`)).text()).toBe("v1\n");
    // Requests the dying server had went to the other one (GET, retry policy), and the
    // rest to the old servers after the switch back: the clients saw no failure.
    expect(report.failures, formatReport(report)).toEqual({});
    expect(report).toMatchObject({ sent: traffic.scheduled, failed: 0 });
    expect(new Set(report.versions)).toEqual(new Set(["v1", "v2"]));
    expect(report.versions.at(-1)).toBe("v1"); // after the switch back, v1 answers
  });
});
