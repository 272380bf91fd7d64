import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { reapStale } from "../../receiver/pool/reap.js";
import type { StepName } from "../../receiver/protocol.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { waitFor } from "../helpers/wait-for.js";
import { createWorkspace } from "../helpers/workspace.js";
import { appStatus, deploy, listedPids, PID_FILES, running } from "./overlap-fixtures.js";

describe("a receiver killed (SIGKILL) in the middle of an overlap swap", () => {
  let rx: ReceiverProcess | undefined;
  let data: string | undefined;
  afterEach(async () => {
    await rx?.stop();
    // A test that fails between the kill and the restart must not leave servers behind.
    for (const file of PID_FILES) if (data) await reapStale(join(data, "apps", "webdemo", file));
  });

  // POSIX puts the new file into exeFile first, so every later point comes back as v2;
  // Windows renames last, so every earlier point comes back as v1.
  it.each<[string, StepName, "start" | "done", string]>([
    ["posix", "swap", "done", "v2"],
    ["posix", "start", "start", "v2"],
    ["posix", "switch", "done", "v2"],
    ["posix", "drain", "start", "v2"],
    ["windows", "start", "done", "v1"],
    ["windows", "drain", "start", "v1"],
  ])(
    "%s order, at %s %s: comes back whole as %s, both pools' servers gone",
    async (order, step, state, expected) => {
      const ws = createWorkspace({ app: { strategy: "overlap" } });
      data = ws.data;
      const env: Record<string, string> =
        order === "windows" ? { HOTSWAP_FAULT: "win32-locked@0" } : {};
      rx = await startReceiver(ws.configFile, env);
      const v1 = readFileSync(ws.exeFile);
      const build = ws.version("v2", { startDelayMs: 300 });
      const v2 = readFileSync(build);
      const first = rx;
      // A slow request to an old server keeps the drain going until the kill.
      const slow = fetch(`${rx.gate()}/slow?ms=5000`).catch(() => undefined);
      await waitFor(() => listedPids(ws.data).length === 2, "the v1 servers");
      const pidsBefore = listedPids(ws.data);
      let killed: Promise<void> | undefined;
      await deploy(rx, build, (e) => {
        if (!killed && e.type === "step" && e.step === step && e.state === state)
          killed = first.kill();
      }).catch(() => undefined); // the kill cuts the stream
      await waitFor(() => killed !== undefined, `the kill at ${step} ${state}`);
      await killed;
      await slow;
      const pidsAtKill = listedPids(ws.data);

      expect(readFileSync(ws.exeFile)).toEqual(expected === "v1" ? v1 : v2);

      rx = await startReceiver(ws.configFile, env);
      expect(await (await fetch(`${rx.gate()}/`)).text()).toBe(`${expected}\n`);
      expect(readFileSync(ws.exeFile)).toEqual(expected === "v1" ? v1 : v2);
      for (const pid of [...pidsBefore, ...pidsAtKill])
        await waitFor(() => !running(pid), `orphan ${pid} to be stopped`);
      const { instances, recent } = await appStatus(rx);
      expect(instances.filter((s) => s.state === "healthy")).toHaveLength(2);
      expect(recent[0]).toMatchObject({
        op: "recover",
        outcome: "interrupted",
        message: expect.stringContaining(`during "`),
      });
    },
  );

  it("posix order, killed while a broken build starts: the next start falls back to the kept release", async () => {
    const ws = createWorkspace({
      app: { strategy: "overlap", health: { path: "/health", timeout: "2s" } },
    });
    data = ws.data;
    rx = await startReceiver(ws.configFile);
    const v1 = readFileSync(ws.exeFile);
    const first = rx;
    let killed: Promise<void> | undefined;
    await deploy(rx, ws.version("broken", { unhealthy: true }), (e) => {
      if (!killed && e.type === "step" && e.step === "start" && e.state === "start")
        killed = first.kill();
    }).catch(() => undefined); // the kill cuts the stream
    await waitFor(() => killed !== undefined, "the kill");
    await killed;
    expect(readFileSync(ws.exeFile)).not.toEqual(v1); // the broken build went in first

    rx = await startReceiver(ws.configFile);
    expect(await (await fetch(`${rx.gate()}/`)).text()).toBe("v1\n");
    expect(readFileSync(ws.exeFile)).toEqual(v1);
    expect((await appStatus(rx)).recent[0]).toMatchObject({
      op: "recover",
      outcome: "rolled-back",
    });
  });
});
