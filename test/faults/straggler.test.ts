// Guarantee 8 on Linux: a straggler holds the exe open during the swap, and the
// receiver takes the Windows path (exe renamed aside, then the new one moved in),
// whose renames fail with EBUSY as Windows fails them (HOTSWAP_FAULT=win32-locked@N).
// A lock that passes within the retries costs no request; one that does not leaves
// the old exe in place and serving, and says so.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { FailedResult } from "../../receiver/protocol.js";
import { asidePath } from "../../receiver/swap/exe-file.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { steadyLoad } from "../helpers/steady-load.js";
import { waitFor } from "../helpers/wait-for.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";
import {
  alive,
  appStatus,
  deploy,
  gateAnswer,
  reapLeftovers,
  shutDown,
  stepTrail,
  swapDebris,
  SLOW,
} from "./fault-kit.js";

// Another process with exeFile open (an antivirus scan, a server slow to exit).
async function straggler(exeFile: string): Promise<ChildProcess> {
  const code = `require("node:fs").openSync(${JSON.stringify(exeFile)}, "r"); console.log("holding"); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  await waitFor(() => out.includes("holding"), "the straggler to open exeFile");
  return child;
}

describe("a swap while a straggler holds the exe (Windows order, injected EBUSY)", SLOW, () => {
  let ws: Workspace | undefined;
  let rx: ReceiverProcess | undefined;
  let load: ReturnType<typeof steadyLoad> | undefined;
  let holder: ChildProcess | undefined;
  afterEach(async () => {
    await load?.stop();
    await shutDown(rx);
    await reapLeftovers(ws);
    if (holder && holder.exitCode === null && holder.signalCode === null) {
      const gone = new Promise((r) => holder!.once("exit", r));
      holder.kill("SIGKILL");
      await gone;
    }
    if (ws) rmSync(ws.dir, { recursive: true, force: true });
    ws = rx = holder = load = undefined;
  }, SLOW.timeout);

  it("win32-locked@3: the renames are retried, the swap succeeds, no request fails, no aside file is left", async () => {
    const w = (ws = createWorkspace());
    rx = await startReceiver(w.configFile, { HOTSWAP_FAULT: "win32-locked@3" });
    expect(rx.logs.join("\n")).toContain("HOTSWAP_FAULT=win32-locked@3 is set");
    holder = await straggler(w.exeFile);
    const traffic = (load = steadyLoad(`${rx.gate()}/`, 4));
    await waitFor(() => traffic.report.ok >= 20, "traffic through the gate");
    const d = await deploy(rx, w.version("v2"));
    expect(d.result).toMatchObject({ ok: true, version: { version: "testapp v2" } });
    await waitFor(() => traffic.report.answers.at(-1) === "v2", "v2 answering the load");
    const report = await traffic.stop();

    expect(stepTrail(d.events)).toContain("swap:done");
    expect(report.failures).toEqual([]);
    expect(report.answers).toContain("v1");
    expect(readFileSync(w.exeFile).equals(readFileSync(w.version("v2")))).toBe(true);
    expect(existsSync(asidePath(w.exeFile))).toBe(false);
    expect(swapDebris(w)).toEqual([]);
    expect(await gateAnswer(rx)).toBe("200 v2");
    expect(alive(holder.pid!)).toBe(true); // the swap did not need the straggler gone
  });

  it("win32-locked@20: the swap fails cleanly with ERR_SWAP, v1 stays in place and serves, a later swap succeeds", async () => {
    const w = (ws = createWorkspace());
    rx = await startReceiver(w.configFile, { HOTSWAP_FAULT: "win32-locked@20" });
    holder = await straggler(w.exeFile);
    const v1 = readFileSync(w.exeFile);
    const v2 = readFileSync(w.version("v2"));
    const traffic = (load = steadyLoad(`${rx.gate()}/`, 4));
    await waitFor(() => traffic.report.ok >= 20, "traffic through the gate");
    const d = await deploy(rx, w.version("v2"));
    const report = await traffic.stop();

    expect(d.status).toBe(200);
    expect(d.result).toMatchObject({
      ok: false,
      error: { code: "ERR_SWAP" },
      version: { version: "testapp v1" },
    });
    expect((d.result as FailedResult).error.message).toMatch(/EBUSY/);
    expect(stepTrail(d.events)).toEqual(
      expect.arrayContaining(["swap:failed", "reload:done", "release:done"]),
    );
    expect(report.failures).toEqual([]);
    expect(new Set(report.answers)).toEqual(new Set(["v1"]));
    expect(readFileSync(w.exeFile).equals(v1)).toBe(true);
    expect(existsSync(asidePath(w.exeFile))).toBe(false);
    expect(swapDebris(w)).toEqual([]);
    // updateFile is still the whole upload, or gone: never part of it.
    if (existsSync(w.updateFile)) expect(readFileSync(w.updateFile).equals(v2)).toBe(true);
    expect(await gateAnswer(rx)).toBe("200 v1");
    const status = await appStatus(rx);
    expect(status.busy).toBe(false);
    expect(status.instances.map((s) => s.state)).toEqual(["healthy", "healthy"]);
    expect(status.recent[0]).toMatchObject({
      op: "deploy",
      outcome: "failed",
      error: { code: "ERR_SWAP" },
      after: { sha256: status.current!.sha256 },
    });

    // The lock outlasts the next swap too (10 of the 20 failures are left), then it is gone.
    const second = await deploy(rx, w.version("v2"));
    expect(second.result).toMatchObject({ ok: false, error: { code: "ERR_SWAP" } });
    expect(await gateAnswer(rx)).toBe("200 v1");
    const third = await deploy(rx, w.version("v2"));
    expect(third.result).toMatchObject({ ok: true, version: { version: "testapp v2" } });
    expect(await gateAnswer(rx)).toBe("200 v2");
    expect(swapDebris(w)).toEqual([]);
  });
});
