import { spawn, type ChildProcess } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PidRecord } from "../../receiver/pool/pid-file.js";
import { reapStale } from "../../receiver/pool/reap.js";
import { makeApp, makePool, specFor, stopAllPools } from "./fixtures.js";
import { alive } from "../helpers/alive.mjs";
import { waitFor } from "../helpers/wait-for.js";

let app: Awaited<ReturnType<typeof makeApp>>;
const orphans: ChildProcess[] = [];
beforeEach(async () => {
  app = await makeApp();
});
afterEach(async () => {
  for (const child of orphans.splice(0)) if (child.pid && alive(child.pid)) child.kill("SIGKILL");
  await stopAllPools();
  await app.cleanup();
});

// A server left behind by a receiver that was killed: detached, in its own group.
function orphan(exe: string): number {
  const child = spawn(exe, ["--port", "0"], { detached: true, stdio: "ignore" });
  orphans.push(child);
  return child.pid!;
}

/** An orphan, once it runs the exe (on Linux, where /proc shows that). */
async function runningOrphan(exe: string): Promise<number> {
  const pid = orphan(exe);
  await waitFor(
    async () =>
      process.platform !== "linux" ||
      (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).includes(exe),
    "the orphan to run the exe",
  );
  return pid;
}

function recordOf(pid: number, exe: string): PidRecord {
  return { pid, exe, startedAt: new Date().toISOString(), instance: 0, port: 0 };
}

describe("reapStale", () => {
  it("kills a recorded orphan that still runs the recorded exe, and empties the file", async () => {
    const pidFile = join(app.dir, "pids.json");
    const pid = await runningOrphan(app.exe);
    await writeFile(pidFile, JSON.stringify([recordOf(pid, app.exe)]));

    expect(await reapStale(pidFile)).toBe(1);

    await waitFor(() => !alive(pid), "the orphan to die");
    expect(JSON.parse(await readFile(pidFile, "utf8"))).toEqual([]);
  });

  it("spares a process that got a recorded pid but runs something else", async () => {
    const pidFile = join(app.dir, "pids.json");
    const pid = orphan(app.exe);
    await writeFile(pidFile, JSON.stringify([recordOf(pid, join(app.dir, "other-exe"))]));

    expect(await reapStale(pidFile)).toBe(0);
    expect(alive(pid)).toBe(true);
  });

  it("answers 0 for a missing file, quietly", async () => {
    const logged: string[] = [];
    expect(await reapStale(join(app.dir, "missing.json"), (_, m) => logged.push(m))).toBe(0);
    expect(logged).toEqual([]);
  });

  it.each([
    ["not JSON", "[{not json", /garbled\.json is damaged \(.*JSON/],
    ["not a list", '{"pid": 1}', /garbled\.json is damaged \(not a list\)/],
  ])("warns about a file that is %s, then answers 0", async (_, text, warning) => {
    const garbled = join(app.dir, "garbled.json");
    await writeFile(garbled, text);
    const logged: string[] = [];
    expect(await reapStale(garbled, (level, m) => logged.push(`${level} ${m}`))).toBe(0);
    expect(logged).toEqual([expect.stringMatching(/^warn /)]);
    expect(logged[0]).toMatch(warning);
  });

  it("warns about a damaged record and still reaps the whole ones", async () => {
    const pidFile = join(app.dir, "pids.json");
    const pid = await runningOrphan(app.exe);
    const damaged = { ...recordOf(pid, app.exe), pid: "12" };
    await writeFile(pidFile, JSON.stringify([damaged, recordOf(pid, app.exe)]));
    const logged: string[] = [];
    expect(await reapStale(pidFile, (level, m) => logged.push(`${level} ${m}`))).toBe(1);
    await waitFor(() => !alive(pid), "the orphan to die");
    expect(logged).toEqual([expect.stringMatching(/^warn .*record 0 is damaged .*pid.*"12"/)]);
  });

  it("finds in a pool's pid file exactly the live children", async () => {
    const pidFile = join(app.dir, "state", "pids.json");
    const pool = makePool(specFor({ instances: 2, pidFile }));
    await pool.start(app.exe);
    // Written in the background: the list catches up with the servers at once, not before start returns.
    const listed = async () =>
      (JSON.parse(await readFile(pidFile, "utf8").catch(() => "[]")) as PidRecord[])
        .map((r) => [r.pid, r.exe, r.instance, r.port])
        .sort();
    const running = pool
      .status()
      .map((s) => [s.pid, app.exe, s.instance, s.port])
      .sort();
    await waitFor(
      async () => JSON.stringify(await listed()) === JSON.stringify(running),
      "the pid file to list both servers",
    );

    // A server counts as exited only once the file no longer lists it.
    await pool.stop();
    expect(JSON.parse(await readFile(pidFile, "utf8"))).toEqual([]);
  });
});
