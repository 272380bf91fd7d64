import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { StreamEvent } from "../../receiver/protocol.js";
import { asidePath } from "../../receiver/swap/exe-file.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { waitFor } from "../helpers/wait-for.js";
import { createWorkspace } from "../helpers/workspace.js";
import { formatReport, loadReport, openLoad, wentBack, type OpenLoad } from "../load/open-load.mjs";
import { deploy, listed, PID_FILES, running, stepsDone } from "./overlap-fixtures.js";

// HOTSWAP_FAULT=win32-locked@N makes the receiver swap in the Windows order and fail
// the first N renames with EBUSY, as a running exe that is locked does.
const RATE = 50;

/** The file at exeFile, or aside while the Windows order has it there; undefined if neither. */
function oldFileNow(exeFile: string) {
  for (const path of [exeFile, asidePath(exeFile)]) {
    try {
      return readFileSync(path);
    } catch {
      // moved on between the two looks
    }
  }
  return undefined;
} // requests per second through the gate, GET / and POST / with a body

describe("strategy: overlap in the Windows order (exeFile locked while it runs)", () => {
  let rx: ReceiverProcess | undefined;
  let load: OpenLoad | undefined;
  afterEach(async () => {
    await load?.stop();
    await rx?.stop();
  });
  const traffic = (gate: string) =>
    (load = openLoad({ url: gate, rate: RATE, mix: { get: 3, post: 1 } }));
  const answered = (l: OpenLoad, version: string, from = 0) =>
    l.samples.slice(from).some((s) => s.version === version);

  it("runs the new servers from a copy until the old ones stop, then renames into exeFile", async () => {
    const ws = createWorkspace({ app: { strategy: "overlap" } });
    // v2's first five renames fail: 50+100+200+400+800 ms of retries, in which the
    // old file is still at exeFile (or, for a moment, aside) when this test looks.
    rx = await startReceiver(ws.configFile, { HOTSWAP_FAULT: "win32-locked@5" });
    const runDir = join(ws.data, "apps", "webdemo", "run");
    const l = traffic(rx.gate());
    await waitFor(() => answered(l, "v1"), "traffic through the gate");

    for (const name of ["v2", "v3"]) {
      const oldPids = PID_FILES.flatMap((f) => listed(ws.data, f)).map((s) => s.pid);
      const before = readFileSync(ws.exeFile);
      const file = ws.version(name, { startDelayMs: 300 });
      let atRename: { exe: Buffer | undefined; oldRunning: boolean } | undefined;
      const r = await deploy(rx, file, (e: StreamEvent) => {
        // The event reaches this test a moment after the receiver sent it: by then
        // the old file may be aside (the Windows order), or (v3, no retries) the
        // new one in place. Only v2's look, inside its retries, is asserted.
        if (e.type === "step" && e.step === "swap" && e.state === "start")
          atRename = { exe: oldFileNow(ws.exeFile), oldRunning: oldPids.some(running) };
      });
      expect(r.result).toMatchObject({ ok: true, version: { version: `testapp ${name}` } });
      expect(stepsDone(r.events)).toEqual(["upload", "start", "switch", "drain", "unload", "swap"]);
      // When the rename began the old servers were gone; v2's first renames fail and
      // are retried, so the old file was surely still there when this looked.
      expect(atRename!.oldRunning).toBe(false);
      if (name === "v2") expect(atRename!.exe).toEqual(before);
      expect(readFileSync(ws.exeFile)).toEqual(readFileSync(file));
      expect(existsSync(`${ws.exeFile}.hotswap-old`)).toBe(false);
      // The new servers run from a copy under data/ (until the next swap stops them),
      // and it is the only copy left.
      const serving = PID_FILES.flatMap((f) => listed(ws.data, f));
      expect(serving).toHaveLength(2);
      for (const { exe } of serving) {
        expect(dirname(dirname(exe))).toBe(runDir);
        expect(readFileSync(exe)).toEqual(readFileSync(file));
      }
      expect(readdirSync(runDir)).toEqual([basename(dirname(serving[0]!.exe))]);
      const seen = l.samples.length;
      await waitFor(() => answered(l, name, seen), `answers from ${name}`);
    }
    const report = loadReport(await l.stop());
    expect(report.failures, formatReport(report)).toEqual({});
    expect(report).toMatchObject({ sent: l.scheduled, failed: 0 });
    // Once a version had answered, no request sent after that got an older one.
    expect(report.versions[0]).toBe("v1");
    expect(report.versions.at(-1)).toBe("v3");
    expect(wentBack(l.samples, ["v1", "v2", "v3"])).toEqual([]);
  });

  it("leaves exeFile untouched and removes the copy when the new servers fail their health check", async () => {
    const ws = createWorkspace({
      app: { strategy: "overlap", health: { path: "/health", timeout: "2s" } },
    });
    rx = await startReceiver(ws.configFile, { HOTSWAP_FAULT: "win32-locked@2" });
    const v1 = readFileSync(ws.exeFile);
    const r = await deploy(rx, ws.version("broken", { unhealthy: true }));
    expect(r.result).toMatchObject({
      ok: false,
      rolledBack: true,
      error: { code: "ERR_HEALTH_CHECK" },
    });
    expect(stepsDone(r.events)).toEqual(["upload", "rollback"]);
    expect(readFileSync(ws.exeFile)).toEqual(v1);
    expect(readdirSync(join(ws.data, "apps", "webdemo", "run"))).toEqual([]);
    expect(await (await fetch(`${rx.gate()}/`)).text()).toBe("v1\n");
  });

  it("brings exeFile's version back, the overlap way, when exeFile stays locked through every retry", async () => {
    const ws = createWorkspace({ app: { strategy: "overlap" } });
    // replaceExe tries a rename 10 times: all of them fail.
    rx = await startReceiver(ws.configFile, { HOTSWAP_FAULT: "win32-locked@10" });
    const v1 = readFileSync(ws.exeFile);
    const l = traffic(rx.gate());
    await waitFor(() => answered(l, "v1"), "traffic through the gate");
    const r = await deploy(rx, ws.version("v2"));
    const report = loadReport(await l.stop());
    expect(r.result).toMatchObject({ ok: false, rolledBack: true, error: { code: "ERR_SWAP" } });
    expect(stepsDone(r.events)).toEqual([
      ...["upload", "start", "switch", "drain", "unload"], // v2 took over
      ...["start", "switch", "drain", "unload"], // and handed back to exeFile's v1
    ]);
    expect(readFileSync(ws.exeFile)).toEqual(v1);
    expect(await (await fetch(`${rx.gate()}/`)).text()).toBe("v1\n");
    expect(report.failures, formatReport(report)).toEqual({});
    expect(report).toMatchObject({ sent: l.scheduled, failed: 0 });
    expect(report.versions.at(-1)).toBe("v1"); // handed back: v1 answers again
    expect(readdirSync(join(ws.data, "apps", "webdemo", "run"))).toEqual([]);
  });
});
