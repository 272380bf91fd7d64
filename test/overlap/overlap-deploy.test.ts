import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StreamEvent } from "../../receiver/protocol.js";
import { call } from "../helpers/api-client.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { steadyLoad } from "../helpers/steady-load.js";
import { mint } from "../helpers/tokens.js";
import { waitFor } from "../helpers/wait-for.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";
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

describe("strategy: overlap (real receiver, real servers, real gate)", () => {
  let ws: Workspace;
  let rx: ReceiverProcess;
  beforeAll(async () => {
    // health.timeout leaves room for a 1.5 s start, and not much more for a broken build.
    ws = createWorkspace({
      app: { strategy: "overlap", health: { path: "/health", timeout: "4s" } },
    });
    rx = await startReceiver(ws.configFile);
  });
  afterAll(() => rx?.stop());

  it("deploys slow-starting builds under load: no request fails or waits for the start", async () => {
    const load = steadyLoad(`${rx.gate()}/`, 4);
    // One client in sequence: each request leaves after the last answer, so its answers
    // show the order in which requests met the servers.
    const sequence = steadyLoad(`${rx.gate()}/`, 1);
    await waitFor(
      () => load.report.ok >= 20 && sequence.report.ok >= 5,
      "traffic through the gate",
    );
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
        if (e.step === "start") okAtStart = load.report.ok;
        if (e.step === "switch") okAtSwitch = load.report.ok;
      });
      expect(r.result).toMatchObject({
        ok: true,
        op: "deploy",
        version: { version: `testapp ${name}` },
      });
      expect(stepsDone(r.events)).toEqual(OVERLAP_STEPS);
      // The old servers answered while the new ones took 1.5 s to start.
      expect(okAtSwitch).toBeGreaterThan(okAtStart);
      const seen = load.report.answers.length;
      await waitFor(() => load.report.answers.slice(seen).includes(name), `answers from ${name}`);
      for (const pid of before) await waitFor(() => !running(pid), `old server ${pid} to be gone`);
      const now = await appStatus(rx);
      expect(now.instances.filter((s) => s.state === "healthy")).toHaveLength(2);
      expect(now.instances.some((s) => before.includes(s.pid!))).toBe(false);
      expect(readFileSync(ws.exeFile)).toEqual(readFileSync(file));
      queued.push(await heldTotal(rx));
    }
    const report = await load.stop();
    const { answers } = await sequence.stop();
    console.log(
      `overlap: ${report.sent} requests sent, ${report.failed} failed; held in the gate: ${queued.join(", ")}`,
    );
    expect(report.failures).toEqual([]);
    expect(sequence.report.failures).toEqual([]);
    // No request waited at the gate during either deploy (none had to wait for a server).
    expect(queued).toEqual([queued[0], queued[0], queued[0]]);
    // Answers switch version once per deploy and never go back.
    const order = answers.map((a) => Number(a.slice(1)));
    expect(order[0]).toBe(1);
    expect(order.at(-1)).toBe(3);
    expect(order.every((v, i) => i === 0 || v >= order[i - 1]!)).toBe(true);
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
    const load = steadyLoad(`${rx.gate()}/`, 4);
    await waitFor(() => load.report.ok >= 20, "traffic through the gate");
    const broken = ws.version("broken", { unhealthy: true });
    // The new servers are listed in the pid file the serving ones do not use.
    const fresh = () => listedPids(ws.data).filter((pid) => !before.includes(pid));
    const watching = waitFor(() => (fresh().length ? fresh() : undefined), "the new servers");
    const r = await deploy(rx, broken);
    const started = await watching;
    const report = await load.stop();

    expect(r.result).toMatchObject({
      ok: false,
      rolledBack: true,
      error: { code: "ERR_HEALTH_CHECK" },
    });
    expect(r.result!.ok === false && r.result!.error.message).toMatch(/health check/);
    expect(stepsDone(r.events)).toEqual(["upload", "swap", "rollback"]);
    expect(report.failures).toEqual([]);
    expect(new Set(report.answers)).toEqual(new Set([live]));
    expect(readFileSync(ws.exeFile)).toEqual(exe);
    expect(started.length).toBeGreaterThan(0);
    for (const pid of started) await waitFor(() => !running(pid), `new server ${pid} to be gone`);
    expect((await appStatus(rx)).instances.map((s) => s.pid)).toEqual(before);
    expect(before.every(running)).toBe(true);
  });
});
