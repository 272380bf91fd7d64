import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AppStatus, LogEvent, StepEvent } from "../../receiver/protocol.js";
import { call, sha256 } from "../helpers/api-client.js";
import { deploy } from "../helpers/deploy.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { mint } from "../helpers/tokens.js";
import { alive } from "../helpers/alive.mjs";
import { waitFor } from "../helpers/wait-for.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

// A single-file app's hooks through a real receiver (docs/design.md "Folder apps,
// hooks"): beforeSwap runs beside updateFile before the hold, its output in the stream,
// a failure or a hang refusing the deploy with nothing changed; afterRelease runs once
// the new build serves, and its failure leaves that build live.
const BEFORE = `#!/bin/sh
echo "migrating $HOTSWAP_APP"
echo "release=$HOTSWAP_RELEASE previous=$HOTSWAP_PREVIOUS cwd=$(pwd)"
echo "a warning" >&2
[ -f fail-before ] && { echo "the migration broke" >&2; exit 3; }
[ -f hang-before ] && sleep 30
exit 0
`;
const AFTER = `#!/bin/sh
echo "notified for $HOTSWAP_APP, previous=$HOTSWAP_PREVIOUS"
[ -f fail-after ] && exit 4
exit 0
`;

describe("deploy hooks of a single-file app", () => {
  let ws: Workspace;
  let rx: ReceiverProcess;
  const deployDir = () => join(ws.dir, "deploy");
  const flag = (name: string, on: boolean) =>
    on
      ? writeFileSync(join(deployDir(), name), "")
      : rmSync(join(deployDir(), name), { force: true });
  beforeAll(async () => {
    ws = createWorkspace({
      app: {
        hooks: {
          beforeSwap: ["./before.sh"],
          afterRelease: [["./after.sh", "--quiet"]],
          timeout: "1500ms",
        },
      },
    });
    for (const [name, body] of [
      ["before.sh", BEFORE],
      ["after.sh", AFTER],
    ] as const) {
      writeFileSync(join(deployDir(), name), body);
      chmodSync(join(deployDir(), name), 0o755);
    }
    rx = await startReceiver(ws.configFile);
  });
  afterAll(() => rx?.stop());
  afterEach(() => ["fail-before", "hang-before", "fail-after"].forEach((f) => flag(f, false)));

  const pids = async () => {
    const r = await call(rx.api, "/v1/apps/webdemo", { token: await mint({ op: "status" }) });
    return (r.json as AppStatus).instances.map((i) => i.pid);
  };
  const steps = (events: unknown[]) =>
    (events as StepEvent[]).filter((e) => e.type === "step").map((e) => `${e.step}:${e.state}`);
  const logs = (events: unknown[]) =>
    (events as LogEvent[]).filter((e) => e.type === "log").map((e) => `${e.level}: ${e.message}`);

  it("runs beforeSwap before the hold and afterRelease after the release, their output in the stream", async () => {
    const file = ws.version("v2");
    const r = await deploy(rx, file);
    expect(r.result).toMatchObject({ ok: true, version: { sha256: sha256(readFileSync(file)) } });
    expect(steps(r.events)).toEqual([
      "upload:start",
      "upload:done",
      "beforeSwap:start",
      "beforeSwap:done",
      "hold:start",
      "hold:done",
      "unload:start",
      "unload:done",
      "swap:start",
      "swap:done",
      "reload:start",
      "reload:done",
      "release:start",
      "release:done",
      "afterRelease:start",
      "afterRelease:done",
    ]);
    const lines = logs(r.events);
    expect(lines).toContain("info: beforeSwap: migrating webdemo");
    expect(lines).toContain(
      `info: beforeSwap: release=${ws.updateFile} previous=${ws.exeFile} cwd=${deployDir()}`,
    );
    expect(lines).toContain("warn: beforeSwap: a warning");
    expect(
      lines.some((l) => /^info: afterRelease: notified for webdemo, previous=.+\/webdemo$/.test(l)),
    ).toBe(true);
  });

  it("a failing beforeSwap refuses the deploy: ERR_HOOK_FAILED with its output, no hold, nothing changed", async () => {
    flag("fail-before", true);
    const live = readFileSync(ws.exeFile);
    const before = await pids();
    const r = await deploy(rx, ws.version("v3"));
    expect(r.result).toMatchObject({
      ok: false,
      rolledBack: false,
      holdMs: 0,
      error: {
        code: "ERR_HOOK_FAILED",
        message: "beforeSwap ./before.sh exited with code 3; nothing was changed",
      },
    });
    expect(r.result?.ok === false && r.result.output).toContain("the migration broke");
    expect(steps(r.events)).not.toContain("hold:start");
    expect(steps(r.events)).toContain("beforeSwap:failed");
    expect(readFileSync(ws.exeFile)).toEqual(live);
    expect(await pids()).toEqual(before);
    const status = (await call(rx.api, "/v1/apps/webdemo", { token: await mint({ op: "status" }) }))
      .json as AppStatus;
    expect(status.recent[0]).toMatchObject({
      op: "deploy",
      outcome: "failed",
      error: { code: "ERR_HOOK_FAILED" },
    });
  });

  it("a hanging beforeSwap is cut at hooks.timeout, nothing changed", async () => {
    flag("hang-before", true);
    const live = readFileSync(ws.exeFile);
    const r = await deploy(rx, ws.version("v4"));
    expect(r.result).toMatchObject({ ok: false, error: { code: "ERR_HOOK_FAILED" } });
    expect(r.result?.ok === false && r.result.error.message).toMatch(
      /was cut at hooks\.timeout \(1\.5s\)/,
    );
    expect(readFileSync(ws.exeFile)).toEqual(live);
  });

  it("a failing afterRelease is reported, and the new build stays live", async () => {
    flag("fail-after", true);
    const file = ws.version("v5");
    const r = await deploy(rx, file);
    expect(r.result).toMatchObject({ ok: true, version: { version: "testapp v5" } });
    expect(steps(r.events)).toContain("afterRelease:failed");
    expect(logs(r.events)).toContain("error: afterRelease: ./after.sh --quiet exited with code 4");
    expect(readFileSync(ws.exeFile)).toEqual(readFileSync(file));
    // The receiver's stdout reaches this process after the answer may have: wait for it.
    await waitFor(
      () =>
        rx.logs.some((l) =>
          l.includes(
            "afterRelease ./after.sh --quiet exited with code 4; the new build stays live",
          ),
        ),
      "the warning in the receiver's log",
    );
  });
});

describe("a hook running when the receiver is SIGKILLed", () => {
  let ws: Workspace;
  let second: ReceiverProcess | undefined;
  afterAll(async () => {
    await second?.stop();
    if (ws) rmSync(ws.dir, { recursive: true, force: true });
  });

  it("is stopped, with what it started, by the next receiver", async () => {
    ws = createWorkspace({ app: { hooks: { beforeSwap: ["./hang.sh"], timeout: "60s" } } });
    const deployDir = join(ws.dir, "deploy");
    writeFileSync(
      join(deployDir, "hang.sh"),
      "#!/bin/sh\necho $$ > hook.pid\nsleep 60 &\necho $! > sleep.pid\nwait\n",
    );
    chmodSync(join(deployDir, "hang.sh"), 0o755);
    const first = await startReceiver(ws.configFile);
    void deploy(first, ws.version("v2")).catch(() => undefined);
    const read = (name: string) => {
      try {
        return Number(readFileSync(join(deployDir, name), "utf8")) || undefined;
      } catch {
        return undefined;
      }
    };
    const [hook, sleeper] = await waitFor(
      () =>
        read("hook.pid") && read("sleep.pid") ? [read("hook.pid")!, read("sleep.pid")!] : undefined,
      "the hook to start",
    );
    await waitFor(
      () =>
        existsSync(join(ws.data, "apps", "webdemo", "hooks.json")) &&
        readFileSync(join(ws.data, "apps", "webdemo", "hooks.json"), "utf8").includes(String(hook)),
      "the hook in hooks.json",
    );
    first.child.kill("SIGKILL");
    await waitFor(() => first.child.signalCode === "SIGKILL", "the receiver to die");
    expect(alive(hook) && alive(sleeper), "the hook outlives a SIGKILLed receiver").toBe(true);
    second = await startReceiver(ws.configFile);
    await waitFor(() => !alive(hook) && !alive(sleeper), "the hook and its sleep to be stopped");
    await waitFor(
      () => second!.logs.some((l) => /stopped \d+ server\(s\) or hook\(s\) left running/.test(l)),
      "the line saying so",
    );
  });
});
