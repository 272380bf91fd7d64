// Stopping a server, run for real. Windows cannot run here, so its branch of kill.ts
// (platform "win32") runs with Node's real spawn and spawnSync against a real process
// tree, and the `taskkill` they find on PATH is a stand-in that does what taskkill
// documents: /t takes the process's descendants too, /f ends them at once (SIGKILL
// here, TerminateProcess there), without /f it asks them to close (SIGTERM here,
// WM_CLOSE there), and it exits 128 when there is no such process. These tests fail
// when kill.ts leaves out /t or /f, asks where it must force, returns from a forced
// stop before taskkill is done, waits for a polite one, or does not fall back to
// TerminateProcess when taskkill cannot run. That the real taskkill keeps its word
// needs Windows to show.
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { askToStop, forceStop, system, type KillDeps } from "../../receiver/pool/kill.js";
import { alive } from "../helpers/alive.mjs";
import { waitFor } from "../helpers/wait-for.js";

// The stand-in. It waits TASKKILL_DELAY_MS, or until the file TASKKILL_GO exists, before
// it acts (so a caller that waits for it is seen waiting), and appends its arguments and
// exit status to TASKKILL_LOG when it is done. TASKKILL_EXIT=N: fail with N, touch nothing.
const standIn = `#!${process.execPath}
const fs = require("node:fs");
const env = process.env;
const args = process.argv.slice(2).map((a) => a.toLowerCase());
const pause = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms) => Atomics.wait(pause, 0, 0, ms);
if (env.TASKKILL_GO) for (let n = 0; n < 500 && !fs.existsSync(env.TASKKILL_GO); n++) sleep(20);
else sleep(Number(env.TASKKILL_DELAY_MS ?? 0));
const done = (status) => {
  fs.appendFileSync(env.TASKKILL_LOG, args.join(" ") + " => " + status + "\\n");
  process.exit(status);
};
if (env.TASKKILL_EXIT) done(Number(env.TASKKILL_EXIT));
const pid = Number(args[args.indexOf("/pid") + 1]);
const parentOf = (p) => {
  try {
    const stat = fs.readFileSync("/proc/" + p + "/stat", "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch { return undefined; }
};
if (parentOf(pid) === undefined) done(128);
// The tree is walked before anything is ended, as taskkill does.
const targets = [pid];
if (args.includes("/t")) {
  const all = fs.readdirSync("/proc").filter((n) => /^\\d+$/.test(n)).map(Number);
  for (let i = 0; i < targets.length; i++)
    for (const p of all) if (parentOf(p) === targets[i]) targets.push(p);
}
for (const p of targets) {
  try { process.kill(p, args.includes("/f") ? "SIGKILL" : "SIGTERM"); } catch {}
}
done(0);
`;

// A server with a child of its own; with ignoreTerm both ignore a polite request.
const parentCode = `
if (process.env.IGNORE_TERM) process.on("SIGTERM", () => {});
const grandchild = require("node:child_process").spawn(process.execPath, ["-e", process.env.GRANDCHILD], { stdio: ["ignore", "pipe", "inherit"] });
grandchild.stdout.once("data", (d) => console.log("tree " + process.pid + " " + String(d).trim()));
setInterval(() => {}, 1000);
`;
const grandchildCode = `
if (process.env.IGNORE_TERM) process.on("SIGTERM", () => {});
console.log(process.pid);
setInterval(() => {}, 1000);
`;

describe.skipIf(process.platform !== "linux")(
  "stopping a server on Windows (taskkill stand-in, real processes)",
  () => {
    let dir: string;
    let log: string;
    let saved: NodeJS.ProcessEnv;
    const started: number[] = [];
    const signals: string[] = [];
    // The Windows branch with the real runners; TerminateProcess is process.kill, recorded.
    const windows: KillDeps = {
      ...system,
      platform: "win32",
      signal: (pid, name) => (signals.push(`${pid} ${name}`), system.signal(pid, name)),
    };

    beforeEach(() => {
      saved = { ...process.env };
      dir = mkdtempSync(join(tmpdir(), "hotswap-taskkill-"));
      log = join(dir, "taskkill.log");
      writeFileSync(join(dir, "taskkill"), standIn);
      chmodSync(join(dir, "taskkill"), 0o755);
      process.env.PATH = dir; // the stand-in is the only taskkill
      process.env.TASKKILL_LOG = log;
      signals.length = 0;
    });
    afterEach(() => {
      process.env = saved;
      for (const pid of started.splice(0)) if (alive(pid)) process.kill(pid, "SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    });

    const calls = () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []);

    async function tree(ignoreTerm: boolean): Promise<{ server: number; grandchild: number }> {
      const env = {
        ...process.env,
        GRANDCHILD: grandchildCode,
        IGNORE_TERM: ignoreTerm ? "1" : "",
      };
      const child: ChildProcess = spawn(process.execPath, ["-e", parentCode], {
        env,
        stdio: ["ignore", "pipe", "inherit"],
      });
      let out = "";
      child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
      const line = await waitFor(() => /tree (\d+) (\d+)/.exec(out), "the process tree to start");
      const pids = { server: Number(line[1]), grandchild: Number(line[2]) };
      started.push(pids.grandchild, pids.server);
      return pids;
    }

    it("asks the whole tree to close with taskkill, without waiting for taskkill", async () => {
      const { server, grandchild } = await tree(false);
      const go = join(dir, "go");
      process.env.TASKKILL_GO = go; // the stand-in holds until the test lets it act

      expect(askToStop(server, windows)).toBe(true);
      // Returned while taskkill still waits: a caller that waited would find it done.
      expect(calls()).toEqual([]);
      expect([alive(server), alive(grandchild)]).toEqual([true, true]);

      writeFileSync(go, "");
      await waitFor(() => !alive(server) && !alive(grandchild), "the tree to close");
      expect(calls()).toHaveLength(1);
      expect(signals).toEqual([]);
    });

    it("says at once when the server cannot be asked (taskkill: 'can only be terminated forcefully')", async () => {
      const { server } = await tree(true);
      process.env.TASKKILL_EXIT = "1"; // what taskkill without /f answers a windowless console process
      let cannotAsk = false;

      expect(askToStop(server, windows, () => (cannotAsk = true))).toBe(true);
      await waitFor(() => cannotAsk, "the caller to hear the server cannot be asked");
      expect(calls()).toEqual([expect.stringMatching(/^\/pid \d+ \/t => 1$/)]);
      expect(alive(server)).toBe(true); // nothing was done to it: the caller forces it now
    });

    it("forces the whole tree, even one that ignores a polite request, before it returns", async () => {
      const { server, grandchild } = await tree(true);
      process.env.TASKKILL_DELAY_MS = "300";

      expect(forceStop(server, windows)).toBe(true);
      // taskkill has finished by the time forceStop returns (it waited 300 ms first).
      expect(calls()).toHaveLength(1);
      await waitFor(() => !alive(server) && !alive(grandchild), "the forced tree to be gone");
      expect(signals).toEqual([]); // taskkill did it: no TerminateProcess
    });

    it("takes taskkill's 'no such process' (128) as already gone, and does nothing more", async () => {
      const gone = spawn(process.execPath, ["-e", ""]);
      await new Promise((r) => gone.once("exit", r));

      expect(forceStop(gone.pid!, windows)).toBe(false);
      expect(calls()).toEqual([expect.stringMatching(/=> 128$/)]);
      expect(signals).toEqual([]);
    });

    it.each([
      ["taskkill is not on PATH", () => (process.env.PATH = mkdtempSync(join(dir, "empty-")))],
      ["taskkill fails (access denied, 1)", () => (process.env.TASKKILL_EXIT = "1")],
    ])("falls back to TerminateProcess on the server when %s", async (_, breakTaskkill) => {
      const { server } = await tree(true);
      breakTaskkill();

      expect(forceStop(server, windows)).toBe(true);
      expect(signals).toEqual([`${server} SIGKILL`]);
      await waitFor(() => !alive(server), "the server to be gone");
    });
  },
);

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
