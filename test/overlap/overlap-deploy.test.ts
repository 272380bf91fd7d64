import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { StreamEvent } from "../../receiver/protocol.js";
import { call } from "../helpers/api-client.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { mint } from "../helpers/tokens.js";
import { waitFor } from "../helpers/wait-for.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";
import {
  failure,
  formatReport,
  loadReport,
  openLoad,
  wentBack,
  type OpenLoad,
} from "../load/open-load.mjs";
import {
  appStatus,
  deploy,
  heldTotal,
  listed,
  listedPids,
  running,
  stepsDone,
} from "./overlap-fixtures.js";

const OVERLAP_STEPS = ["upload", "swap", "start", "switch", "drain", "unload"];
const RATE = 50; // requests per second through the gate, GET / and POST / with a body

describe("strategy: overlap (real receiver, real servers, real gate)", () => {
  let ws: Workspace;
  let rx: ReceiverProcess;
  let load: OpenLoad | undefined;
  const traffic = () => (load = openLoad({ url: rx.gate(), rate: RATE, mix: { get: 3, post: 1 } }));
  const good = (l: OpenLoad) => l.samples.filter((s) => failure(s) === undefined).length;
  const answered = (l: OpenLoad, version: string, from = 0) =>
    l.samples.slice(from).some((s) => s.version === version);
  beforeAll(async () => {
    // health.timeout leaves room for a 1.5 s start, and not much more for a broken build.
    ws = createWorkspace({
      app: { strategy: "overlap", health: { path: "/health", timeout: "4s" } },
    });
    rx = await startReceiver(ws.configFile);
  });
  afterEach(async () => {
    await load?.stop();
  });
  afterAll(() => rx?.stop());

  it("deploys slow-starting builds under load: no request fails or waits for the start", async () => {
    const l = traffic();
    await waitFor(() => answered(l, "v1"), "traffic through the gate");
    // Requests that waited in the gate's queue, before and after each deploy: with
    // strategy hold every request that arrives during the 1.5 s start waits there.
    const queued: number[] = [await heldTotal(rx)];
    for (const name of ["v2", "v3"]) {
      const before = (await appStatus(rx)).instances.map((s) => s.pid!);
      const file = ws.version(name, { startDelayMs: 1500 });
      let okAtStart = 0;
      let okAtSwitch = 0;
      const r = await deploy(rx, file, (e: StreamEvent) => {
        if (e.type !== "step" || e.state !== "start") return;
        if (e.step === "start") okAtStart = good(l);
        if (e.step === "switch") okAtSwitch = good(l);
      });
      expect(r.result).toMatchObject({
        ok: true,
        op: "deploy",
        version: { version: `testapp ${name}` },
      });
      expect(stepsDone(r.events)).toEqual(OVERLAP_STEPS);
      // The old servers answered while the new ones took 1.5 s to start.
      expect(okAtSwitch).toBeGreaterThan(okAtStart);
      const seen = l.samples.length;
      await waitFor(() => answered(l, name, seen), `answers from ${name}`);
      for (const pid of before) await waitFor(() => !running(pid), `old server ${pid} to be gone`);
      const now = await appStatus(rx);
      expect(now.instances.filter((s) => s.state === "healthy")).toHaveLength(2);
      expect(now.instances.some((s) => before.includes(s.pid!))).toBe(false);
      expect(readFileSync(ws.exeFile)).toEqual(readFileSync(file));
      queued.push(await heldTotal(rx));
    }
    const report = loadReport(await l.stop());
    console.log(
      `overlap at ${RATE} rps: held in the gate: ${queued.join(", ")}\n${formatReport(report)}`,
    );
    expect(report.failures, formatReport(report)).toEqual({});
    expect(report).toMatchObject({ sent: l.scheduled, failed: 0 });
    // No request waited at the gate during either deploy (none had to wait for a server),
    // though they kept arriving all through each 1.5 s start.
    expect(queued).toEqual([queued[0], queued[0], queued[0]]);
    // Answers switch version once per deploy and never go back: a request sent after an
    // answer came back never gets an older version than that answer (requests in flight
    // at a switch may still finish on the old servers).
    expect(report.versions[0]).toBe("v1");
    expect(report.versions.at(-1)).toBe("v3");
    expect(wentBack(l.samples, ["v1", "v2", "v3"])).toEqual([]);
    // Each pool had its own pid file; the one that serves is listed, the other is empty.
    const pids = (await appStatus(rx)).instances.map((s) => s.pid);
    const files = [listed(ws.data, "servers.json"), listed(ws.data, "servers-next.json")];
    expect(files.map((f) => f.length).sort()).toEqual([0, 2]);
    expect(
      files
        .flat()
        .map((s) => s.pid)
        .sort(),
    ).toEqual(pids.sort());
  });

  it("rolls back the overlap way too", async () => {
    const back = await call(rx.api, "/v1/apps/webdemo/rollback", {
      method: "POST",
      token: await mint({ op: "rollback" }),
    });
    expect(back.result).toMatchObject({
      ok: true,
      op: "rollback",
      version: { version: "testapp v2" },
    });
    expect(stepsDone(back.events)).toEqual(OVERLAP_STEPS.slice(1));
    expect(await (await fetch(`${rx.gate()}/`)).text()).toBe("v2\n");
    // POSIX runs the new servers from exeFile itself: no run copies.
    expect(readdirSync(join(ws.data, "apps", "webdemo")).includes("run")).toBe(false);
  });

  it("leaves the old servers serving and exeFile as it was when the new ones fail their health check", async () => {
    const exe = readFileSync(ws.exeFile);
    const live = (await (await fetch(`${rx.gate()}/`)).text()).trim();
    const before = (await appStatus(rx)).instances.map((s) => s.pid!);
    const l = traffic();
    await waitFor(() => answered(l, live), "traffic through the gate");
    const broken = ws.version("broken", { unhealthy: true });
    // The new servers are listed in the pid file the serving ones do not use.
    const fresh = () => listedPids(ws.data).filter((pid) => !before.includes(pid));
    const watching = waitFor(() => (fresh().length ? fresh() : undefined), "the new servers");
    const r = await deploy(rx, broken);
    const started = await watching;
    const report = loadReport(await l.stop());

    expect(r.result).toMatchObject({
      ok: false,
      rolledBack: true,
      error: { code: "ERR_HEALTH_CHECK" },
    });
    expect(r.result!.ok === false && r.result!.error.message).toMatch(/health check/);
    expect(stepsDone(r.events)).toEqual(["upload", "swap", "rollback"]);
    expect(report.failures, formatReport(report)).toEqual({});
    expect(report).toMatchObject({ sent: l.scheduled, failed: 0 });
    expect(report.versions).toEqual([live]); // the old servers answered every request
    expect(readFileSync(ws.exeFile)).toEqual(exe);
    expect(started.length).toBeGreaterThan(0);
    for (const pid of started) await waitFor(() => !running(pid), `new server ${pid} to be gone`);
    expect((await appStatus(rx)).instances.map((s) => s.pid)).toEqual(before);
    expect(before.every(running)).toBe(true);
  });
});
