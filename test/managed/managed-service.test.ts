import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { FailedResult, StreamEvent } from "../../receiver/protocol.js";
import { deploy } from "../helpers/deploy.js";
import { freePort } from "../helpers/ports.js";
import { alive } from "../helpers/alive.mjs";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";
import { stopAll, upgrade } from "../lifecycle/upgrade-helpers.js";
import { finishLoad } from "../load/finish-load.js";
import { trafficTo } from "../load/traffic.js";

const RATE = 200; // requests per second through the gate, whether or not answers keep up
const SERVICE_MANAGER = resolve("test/managed/service-manager.mjs");

// Servers managed elsewhere (docs/design.md §8, `commands:`) through the real receiver:
// a stand-in service manager (service-manager.mjs, which runs the exe detached from the
// receiver, as systemd or the Windows service manager does) is driven by the app's
// stop and start commands, and the gate sends requests to `upstream`.
describe("commands mode: a service run by its own manager", () => {
  let ws: Workspace | undefined;
  let rx: ReceiverProcess | undefined;
  let svc: { state: string; env: Record<string, string> } | undefined;
  afterEach(async () => {
    if (ws) await stopAll(ws.data);
    await rx?.kill();
    if (svc) {
      rmSync(join(svc.state, "fail-stop"), { force: true });
      manager("stop");
      rmSync(svc.state, { recursive: true, force: true });
    }
    ws = rx = svc = undefined;
  });

  // The service manager as an admin would call it from a shell.
  function manager(verb: "start" | "stop") {
    const run = spawnSync(process.execPath, [SERVICE_MANAGER, verb], {
      env: { ...process.env, ...svc!.env },
      encoding: "utf8",
    });
    expect(run.status, run.stderr).toBe(0);
  }

  /** The pid of the service's process, as its manager recorded it, if it runs. */
  function servicePid(): number | undefined {
    const file = join(svc!.state, "pid");
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, "utf8"));
    return alive(pid) ? pid : undefined;
  }

  async function start(app: Record<string, unknown> = {}) {
    const port = await freePort();
    const state = mkdtempSync(join(tmpdir(), "hotswap-service-"));
    const command = (verb: string) => [process.execPath, SERVICE_MANAGER, verb];
    ws = createWorkspace({
      app: {
        instances: 1,
        commands: { stop: command("stop"), start: command("start") },
        upstream: `http://127.0.0.1:${port}`,
        health: { url: `http://127.0.0.1:${port}/health`, timeout: "3s" },
        env: {},
        ...app,
      },
    });
    // The manager's settings reach the commands through the receiver's environment.
    svc = { state, env: { SVC_EXE: ws.exeFile, SVC_PORT: String(port), SVC_STATE: state } };
    rx = await startReceiver(ws.configFile, svc.env);
    return { ws, rx, port };
  }

  const messages = (events: StreamEvent[]) =>
    events.flatMap((e) => (e.type === "log" ? [e.message] : []));

  it("3 deploys under open load lose no request, with the commands' output in the stream", async () => {
    const { ws, rx } = await start();
    expect(rx.logs.join("\n")).toMatch(/start: running .*service-manager\.mjs start/);
    const load = await trafficTo(rx.gate(), { rate: RATE, keepAliveShare: 0.5 });
    const pids = [servicePid()];
    for (const name of ["v2", "v3", "v4"]) {
      const events: StreamEvent[] = [];
      const result = await deploy(rx, ws.version(name), (e) => events.push(e));
      expect(result.result, JSON.stringify(events)).toMatchObject({ ok: true });
      const said = messages(events);
      expect(said).toContainEqual(expect.stringMatching(/^stop: service stopped \(pid \d+\)$/));
      expect(said).toContainEqual(expect.stringMatching(/^start: service started \(pid \d+\)$/));
      expect(events).toContainEqual(
        expect.objectContaining({ step: "reload", state: "done", message: "the service is up" }),
      );
      pids.push(servicePid());
      await new Promise((r) => setTimeout(r, 200));
    }
    const report = await finishLoad(load, "commands mode, 3 deploys");
    expect(report.versions).toEqual(["v1", "v2", "v3", "v4"]);
    // Each deploy stopped the service and its manager started a new process.
    expect(new Set(pids).size).toBe(4);
    expect(pids.every((p) => p !== undefined)).toBe(true);
  });

  it("a build that crashes is rolled back: the service runs the old file again, no request lost", async () => {
    // The receiver does not see the service's process exit: the crash shows as no
    // answer within health.timeout (3 s), and the hold lasts that and the rollback.
    const { ws, rx } = await start({ hold: { timeout: "20s", maxRequests: 5000 } });
    const load = await trafficTo(rx.gate(), { rate: RATE, keepAliveShare: 0.5 });
    const events: StreamEvent[] = [];
    const result = await deploy(rx, ws.version("v2", { crashAtStart: 1 }), (e) => events.push(e));
    const failed = result.result as FailedResult;
    expect(failed, JSON.stringify(events)).toMatchObject({ ok: false, rolledBack: true });
    expect(failed.error.message).toMatch(/not healthy after 3000 ms/);
    await finishLoad(load, "commands mode, a crashing build rolled back");
    // The service's manager runs the kept file at exeFile: v1.
    expect(readFileSync(ws.exeFile, "utf8")).toContain("hotswap test app v1");
    expect(servicePid()).toBeDefined();
    expect((await (await fetch(`${rx.gate()}/`)).text()).trim()).toBe("v1");
  });

  it("a stop command that fails leaves exeFile alone and the service serving (ERR_STOP)", async () => {
    const { ws, rx } = await start();
    const before = servicePid();
    writeFileSync(join(svc!.state, "fail-stop"), "");
    const load = await trafficTo(rx.gate(), { rate: RATE, keepAliveShare: 0.5 });
    const events: StreamEvent[] = [];
    const result = await deploy(rx, ws.version("v2"), (e) => events.push(e));
    const failed = result.result as FailedResult;
    expect(failed, JSON.stringify(events)).toMatchObject({ ok: false });
    expect(failed.error.code).toBe("ERR_STOP");
    expect(failed.error.message).toMatch(
      /the servers did not stop, so exeFile was left as it was: stop command .* exited with code 5: service stop failed: access denied/,
    );
    expect(messages(events)).toContain("stop: service stop failed: access denied");
    await finishLoad(load, "commands mode, a stop that fails");
    expect(readFileSync(ws.exeFile, "utf8")).toContain("hotswap test app v1");
    // start ran again ("already running" to the manager): the same process serves on.
    expect(servicePid()).toBe(before);
    expect((await (await fetch(`${rx.gate()}/`)).text()).trim()).toBe("v1");
  });

  it("a start command that fails is named in the error; the old file is put back and started", async () => {
    const { ws, rx } = await start();
    writeFileSync(join(svc!.state, "fail-start"), "");
    const load = await trafficTo(rx.gate(), { rate: RATE, keepAliveShare: 0.5 });
    const events: StreamEvent[] = [];
    const result = await deploy(rx, ws.version("v2"), (e) => events.push(e));
    const failed = result.result as FailedResult;
    expect(failed, JSON.stringify(events)).toMatchObject({ ok: false, rolledBack: true });
    expect(failed.error.message).toMatch(
      /start command .*service-manager\.mjs start exited with code 3: service start failed: dependency missing/,
    );
    await finishLoad(load, "commands mode, a start that fails");
    expect(readFileSync(ws.exeFile, "utf8")).toContain("hotswap test app v1");
    expect((await (await fetch(`${rx.gate()}/`)).text()).trim()).toBe("v1");
  });

  it("outlives the receiver: a restart adopts the running service, an upgrade under load loses nothing", async () => {
    const { ws } = await start();
    const first = servicePid();
    expect(first).toBeDefined();
    // SIGTERM: the receiver exits, the service runs on (it was never the receiver's).
    await rx!.stop();
    expect(servicePid()).toBe(first);
    rx = await startReceiver(ws.configFile, svc!.env);
    expect(rx.logs.join("\n")).toMatch(/the service already answers; not started again/);
    expect(servicePid()).toBe(first);
    expect((await (await fetch(`${rx.gate()}/`)).text()).trim()).toBe("v1");
    // SIGUSR2 under load: the new receiver takes the gate's socket and the same service.
    const load = await trafficTo(rx.gate(), { rate: RATE, keepAliveShare: 0.5 });
    await upgrade(rx, ws.data);
    await new Promise((r) => setTimeout(r, 300));
    await finishLoad(load, "commands mode, an upgrade of the receiver");
    expect(servicePid()).toBe(first);
  });
});
