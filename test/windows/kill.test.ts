import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { askToStop, forceStop, type KillDeps } from "../../receiver/pool/kill.js";
import { waitFor } from "../helpers/wait-for.js";

// Windows cannot run here: its stop commands are checked by recording what
// would run, and the POSIX path against a real process.
function recorder(platform: NodeJS.Platform, runStatus: number | null = 0) {
  const calls: string[] = [];
  const deps: KillDeps = {
    platform,
    start: (command, args) => void calls.push(`start ${command} ${args.join(" ")}`),
    run: (command, args) => (calls.push(`run ${command} ${args.join(" ")}`), runStatus),
    signal: (pid, name) => void calls.push(`signal ${pid} ${name}`),
  };
  return { calls, deps };
}

describe("stopping a server on Windows (injected)", () => {
  it("asks politely with taskkill /t, without waiting for it", () => {
    const { calls, deps } = recorder("win32");
    expect(askToStop(4242, deps)).toBe(true);
    expect(calls).toEqual(["start taskkill /pid 4242 /t"]);
  });

  it("forces with taskkill /t /f, to the end, before returning", () => {
    const { calls, deps } = recorder("win32", 0);
    expect(forceStop(4242, deps)).toBe(true);
    expect(calls).toEqual(["run taskkill /pid 4242 /t /f"]);
  });

  it("treats taskkill's 'no such process' (128) as already gone", () => {
    const { calls, deps } = recorder("win32", 128);
    expect(forceStop(4242, deps)).toBe(false);
    expect(calls).toEqual(["run taskkill /pid 4242 /t /f"]);
  });

  it("falls back to TerminateProcess when taskkill cannot run", () => {
    const { calls, deps } = recorder("win32", null);
    expect(forceStop(4242, deps)).toBe(true);
    expect(calls).toEqual(["run taskkill /pid 4242 /t /f", "signal 4242 SIGKILL"]);
  });
});

describe("stopping a server on POSIX", () => {
  it("sends SIGTERM, then SIGKILL, to a real process; a gone one is not an error", async () => {
    const child = spawn(process.execPath, [
      "-e",
      "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)",
    ]);
    const exited = new Promise<NodeJS.Signals | null>((r) => child.once("exit", (_c, s) => r(s)));
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    await waitFor(() => out.includes("ready"), "the child to ignore SIGTERM");
    expect(askToStop(child.pid!)).toBe(true); // ignored by this child
    expect(forceStop(child.pid!)).toBe(true);
    expect(await exited).toBe("SIGKILL");
    expect(forceStop(child.pid!)).toBe(false);
  });
});
