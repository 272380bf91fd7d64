// The Windows path for real: the bundled receiver run by Windows Node (node.exe) under
// Wine, a real PE HTTP server built here with mingw-w64 as the app, and the bundled
// action run from Linux the way the runner runs it, with open-model load through the
// gate counting every failed request. What stubs cannot show: that a running exe is
// locked among Windows processes (rename aside is the only way past it), that taskkill
// and TerminateProcess really end the servers, that the receiver's spawn, pid file,
// journal and fsync work on Windows Node, and that an exe left renamed aside by a crash
// is put back. wine-env.ts holds the Wine set-up and its workarounds. Runs from
// `.ci/wine` (not `npm test`); skips, saying why, only where Wine cannot be installed.
import { execFileSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { runAction, type ActionRun } from "../../helpers/run-action.js";
import { SECRET } from "../../helpers/tokens.js";
import { versionRc } from "../../helpers/mingw-pe.js";
import { waitFor } from "../../helpers/wait-for.js";
import { formatReport, loadReport, openLoad, type OpenLoad } from "../../load/open-load.mjs";
import { wineEnv, windowsPath, type WineEnv } from "./wine-env.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = join(here, "../../..");
const RATE = 20; // requests per second through the gate: Wine's processes are slow to start
const STOP_TIMEOUT_S = 30; // a stop that waited for it would show in the unload step

const wine = wineEnv();
const skip = typeof wine === "string" ? wine : undefined;
if (skip) {
  if (process.env.HOTSWAP_WINE_REQUIRED) throw new Error(`the Wine job cannot run: ${skip}`);
  console.warn(`skipping the Wine end-to-end test: ${skip}`);
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const shown = (run: ActionRun) => `exit ${run.code}\n${run.stdout}\n${run.stderr}`;

// The step's time from the action's log group title: "unload (1.2 s)".
function stepMs(run: ActionRun, step: string): number {
  const m = new RegExp(`^::group::${step} \\(([\\d.]+) (m?s)\\)$`, "m").exec(run.stdout);
  if (!m) throw new Error(`no ${step} step in:\n${shown(run)}`);
  return Number(m[1]) * (m[2] === "s" ? 1000 : 1);
}

describe.skipIf(skip !== undefined)("Windows for real: the receiver under Wine", () => {
  const w = wine as WineEnv;
  let dir: string;
  let checkout: string;
  let receiver: ChildProcess | undefined;
  let receiverLog: string;
  let api = "";
  let gate = "";
  let overlapGate = "";
  const others: ChildProcess[] = [];
  const totals = { sent: 0, failed: 0 };
  const exeFile = () => join(dir, "deploy", "webdemo.exe");

  // The app: the same C source, its version compiled in and in a version resource
  // (FileVersion 2 for v2, ProductName webdemo: the echo says "webdemo 2", read from
  // the exe by the receiver, with no process to start); `extra` adds gcc flags.
  function build(version: string, ...extra: string[]): string {
    const out = join(checkout, "build", `webdemo-${version}.exe`);
    const rc = join(checkout, "build", `webdemo-${version}.rc`);
    const res = join(checkout, "build", `webdemo-${version}.res.o`);
    const number = version.replace(/^v/, "");
    writeFileSync(
      rc,
      versionRc({ fileVersion: number, productVersion: number, productName: "webdemo" }),
    );
    execFileSync("x86_64-w64-mingw32-windres", [rc, "-O", "coff", "-o", res]);
    execFileSync("x86_64-w64-mingw32-gcc", [
      "-O2",
      `-DVERSION="${version}"`,
      ...extra,
      "-o",
      out,
      join(here, "webdemo.c"),
      res,
      "-lws2_32",
    ]);
    return out;
  }

  const logText = () => (existsSync(receiverLog) ? readFileSync(receiverLog, "utf8") : "");

  async function startReceiver(env: Record<string, string> = {}) {
    const from = logText().length;
    receiver = w.node(
      [
        windowsPath(join(root, "dist/receiver/cli.mjs")),
        "--config",
        windowsPath(join(dir, "hotswap.yaml")),
      ],
      {
        logFile: receiverLog,
        env: { HOTSWAP_SECRET: SECRET, ...env },
      },
    );
    const log = await waitFor(
      () => {
        const text = logText().slice(from);
        if (receiver?.exitCode !== null) throw new Error(`receiver exited:\n${text}`);
        return / ready\r?$/m.test(text) ? text : undefined;
      },
      "the receiver under Wine to be ready",
      60_000,
      { intervalMs: 200 },
    );
    api = /API on (https?:\/\/\S+)/.exec(log)![1]!;
    gate = `http://${/\[webdemo\] gate listening on (\S+)/.exec(log)![1]!}`;
    overlapGate = `http://${/\[overlap\] gate listening on (\S+)/.exec(log)![1]!}`;
  }

  async function stopReceiver(kill = false) {
    const r = receiver;
    if (!r || r.exitCode !== null) return;
    const gone = new Promise((done) => r.once("exit", done));
    // SIGKILL of `wine` leaves node.exe running; Windows has no SIGTERM either: taskkill /f.
    w.run("taskkill", [
      "/f",
      "/pid",
      readFileSync(join(dir, ".hotswap", "receiver.pid"), "utf8").trim(),
    ]);
    if (kill) r.kill("SIGKILL");
    await gone;
  }

  const action = (inputs: Record<string, string>) =>
    runAction({
      inputs: {
        url: api,
        app: "webdemo",
        key: SECRET,
        "key-id": "ci",
        audience: "https://deploy.test",
        timeout: "120",
        ...inputs,
      },
      workspace: checkout,
      timeoutMs: 180_000,
    });

  async function underLoad(what: () => Promise<ActionRun>, until: string, url = gate) {
    const load: OpenLoad = openLoad({ url, rate: RATE, mix: { get: 3, post: 1 } });
    try {
      await waitFor(() => load.samples.length > 5, "traffic through the gate", 30_000);
      const run = await what();
      const seen = load.samples.length;
      await waitFor(
        () => load.samples.slice(seen).some((s) => s.version === until),
        `answers from ${until}`,
        30_000,
      );
      const report = loadReport(await load.stop());
      totals.sent += report.sent;
      totals.failed += report.failed;
      console.log(
        `under load: ${report.sent} sent, ${report.failed} failed, versions ${report.versions.join(" → ")}`,
      );
      return { run, report };
    } finally {
      await load.stop();
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "hotswap-wine-"));
    checkout = mkdtempSync(join(tmpdir(), "hotswap-wine-checkout-"));
    mkdirSync(join(dir, "deploy"));
    mkdirSync(join(checkout, "build"));
    receiverLog = join(dir, "receiver.log");
    copyFileSync(build("v1"), exeFile());
    mkdirSync(join(dir, "overlap"));
    copyFileSync(join(checkout, "build", "webdemo-v1.exe"), join(dir, "overlap", "webdemo.exe"));
    build("v2");
    build("v3", "-DCRASH");
    const app = {
      exeFile: "./deploy/webdemo.exe",
      updateFile: "./deploy/webdemo_update.exe",
      args: ["--port", "{port}"],
      instances: 2,
      gate: "127.0.0.1:0",
      health: { path: "/health", timeout: "30s" },
      drainTimeout: "10s",
      stopTimeout: `${STOP_TIMEOUT_S}s`,
      hold: { timeout: "60s", maxRequests: 1000 },
      keepReleases: 3,
      maxUploadSize: "4MiB",
    };
    writeFileSync(
      join(dir, "hotswap.yaml"),
      stringify({
        listen: "127.0.0.1:0",
        audience: "https://deploy.test",
        data: "./.hotswap",
        auth: { keys: [{ id: "ci", secret: "${HOTSWAP_SECRET}" }] },
        apps: {
          webdemo: app,
          overlap: {
            ...app,
            exeFile: "./overlap/webdemo.exe",
            updateFile: "./overlap/webdemo_update.exe",
            strategy: "overlap",
            stopPath: "/quit", // its old servers are asked to leave by a request
          },
          folder: {
            ...app,
            exeFile: undefined,
            updateFile: undefined,
            dir: "./folder-app",
            exe: "webdemo.exe",
          },
        },
      }),
    );
    // No versionCommand: under a loaded machine a new exe's first start under Wine can pass
    // its 10 s limit; the version resource is how a Windows exe's version is echoed anyway.
    expect(w.run(exeFile(), ["--version"]).output).toContain("webdemo v1");
    await startReceiver();
  }, 180_000);

  afterAll(async () => {
    if (skip) return;
    await stopReceiver().catch(() => {});
    for (const p of others) if (p.exitCode === null) p.kill("SIGKILL");
    // Every Windows process of this prefix is this test's (the prefix is the test's own).
    execFileSync("wineserver", ["-k"], { env: w.env, stdio: "ignore" });
    console.log(`Wine job deploys: ${totals.sent} requests sent, ${totals.failed} failed`);
    rmSync(dir, { recursive: true, force: true });
    rmSync(checkout, { recursive: true, force: true });
  }, 60_000);

  it("deploys v2 under load while another Windows process runs v1's exe: renamed aside, nothing fails", async () => {
    // A straggler: v1's exe run by a process the receiver does not manage, so the file is
    // locked as Windows locks a running image.
    const stragglerLog = join(dir, "straggler.log");
    others.push(w.start(exeFile(), ["--port", "21999"], { logFile: stragglerLog }));
    await waitFor(
      () => existsSync(stragglerLog) && readFileSync(stragglerLog, "utf8").includes("listening"),
      "the straggler to run v1",
      30_000,
    );
    // Among Windows processes a running exe cannot be overwritten nor deleted.
    const probe = w.run(w.nodeExe, [
      "-e",
      `const fs=require("fs");const f=${JSON.stringify(windowsPath(exeFile()))};` +
        `for (const [n,op] of [["overwrite",()=>fs.writeFileSync(f,"x")],["delete",()=>fs.unlinkSync(f)]]) ` +
        `try{op();console.log(n+" ok")}catch(e){console.log(n+" "+e.code)}`,
    ]);
    expect(probe.output).toMatch(/overwrite (EBUSY|EPERM|EACCES)/);
    expect(probe.output).toMatch(/delete (EBUSY|EPERM|EACCES)/);

    const v1 = readFileSync(exeFile());
    const { run, report } = await underLoad(() => action({ file: "build/webdemo-v2.exe" }), "v2");
    expect(run.code, shown(run)).toBe(0);
    expect(report.failures, formatReport(report)).toEqual({});
    expect(report.versions).toEqual(["v1", "v2"]);
    expect(run.outputs.version).toBe("webdemo 2");
    expect(run.outputs["previous-sha256"]).toBe(sha256(v1));
    expect(sha256(readFileSync(exeFile()))).toBe(run.outputs.sha256);
    // The old exe could not be removed while the straggler ran it: it is left aside.
    expect(existsSync(`${exeFile()}.hotswap-old`)).toBe(true);
    expect(sha256(readFileSync(`${exeFile()}.hotswap-old`))).toBe(sha256(v1));
    expect((await (await fetch("http://127.0.0.1:21999/")).text()).trim()).toBe("v1");
    // Console servers have no window: asked by taskkill, refused, forced at once.
    expect(stepMs(run, "unload")).toBeLessThan(STOP_TIMEOUT_S * 1000);
  }, 240_000);

  it("rolls back to v1 under load through the action", async () => {
    const { run, report } = await underLoad(() => action({ operation: "rollback" }), "v1");
    expect(run.code, shown(run)).toBe(0);
    expect(report.failures, formatReport(report)).toEqual({});
    expect(report.versions).toEqual(["v2", "v1"]);
    expect(run.outputs.version).toBe("webdemo 1");
    expect(stepMs(run, "unload")).toBeLessThan(STOP_TIMEOUT_S * 1000);
  }, 240_000);

  it("rolls a build that crashes at start back to the old one, and the gate keeps answering", async () => {
    const { run, report } = await underLoad(() => action({ file: "build/webdemo-v3.exe" }), "v1");
    expect(run.code, shown(run)).not.toBe(0);
    expect(run.stdout + run.stderr).toMatch(/exited with code 3/);
    expect(report.failures, formatReport(report)).toEqual({});
    expect(report.versions).toEqual(["v1"]);
  }, 240_000);

  it("deploys with strategy overlap: new servers from a copy while the old exe runs, nothing fails", async () => {
    const { run, report } = await underLoad(
      () => action({ app: "overlap", file: "build/webdemo-v2.exe" }),
      "v2",
      overlapGate,
    );
    expect(run.code, shown(run)).toBe(0);
    expect(report.failures, formatReport(report)).toEqual({});
    expect(report.versions).toEqual(["v1", "v2"]);
    expect(run.outputs.version).toBe("webdemo 2");
    expect(sha256(readFileSync(join(dir, "overlap", "webdemo.exe")))).toBe(run.outputs.sha256);
    // The old console servers left on their stop request (stopPath), not by force: the
    // stop took less than stopTimeout and said nothing of a kill.
    await waitFor(
      () =>
        (readFileSync(receiverLog, "utf8").match(/webdemo v1: stop requested, leaving/g) ?? [])
          .length === 2,
      "both old servers to leave on their stop request",
      30_000,
    );
    expect(run.stdout).not.toMatch(/did not stop within stopTimeout/);
  }, 240_000);

  it("recovers an exe a receiver killed mid-swap left renamed aside", async () => {
    const live = sha256(readFileSync(exeFile()));
    await stopReceiver();
    await startReceiver({ HOTSWAP_FAULT: "crash@mid-swap" });
    const run = await action({ file: "build/webdemo-v2.exe" });
    expect(run.code, shown(run)).not.toBe(0);
    await waitFor(() => receiver!.exitCode !== null, "the receiver to die mid-swap", 30_000);
    // The crash came between the two renames: exeFile is absent, the old one aside.
    expect(existsSync(exeFile())).toBe(false);
    expect(existsSync(`${exeFile()}.hotswap-old`)).toBe(true);

    await startReceiver();
    expect(sha256(readFileSync(exeFile()))).toBe(live);
    expect((await (await fetch(`${gate}/`)).text()).trim()).toBe("v1");
  }, 240_000);

  // A folder app's current and staged are directory junctions on Windows. Wine 8 makes
  // none (its FSCTL_SET_REPARSE_POINT is not implemented: Node's symlink(..., "junction")
  // fails with ENOTSUP), as a FAT32 or exFAT volume would not: the first upload must say
  // so, naming the volume and the fix, and leave nothing; the receiver serves on.
  it("refuses a folder app's deploy where no junction can be made, saying why, leaving nothing", async () => {
    const probe = w.run(w.nodeExe, [
      "-e",
      `try{require("fs").symlinkSync(${JSON.stringify(windowsPath(dir))},${JSON.stringify(windowsPath(join(dir, "probe-junction")))},"junction");console.log("junction made")}catch(e){console.log("junction "+e.code)}`,
    ]);
    expect(probe.output, "Wine makes junctions now: deploy a folder app here instead").toContain(
      "junction ENOTSUP",
    );
    const build = join(checkout, "build", "folder-v2");
    mkdirSync(build);
    copyFileSync(join(checkout, "build", "webdemo-v2.exe"), join(build, "webdemo.exe"));
    writeFileSync(join(build, "data.txt"), "data of v2\n");
    execFileSync("zip", ["-qr", join(checkout, "build", "folder-v2.zip"), "."], { cwd: build });

    const run = await action({ app: "folder", file: "build/folder-v2.zip" });
    expect(run.code, shown(run)).not.toBe(0);
    const said = run.stdout + run.stderr;
    expect(said).toContain("receiver answered 500");
    expect(said).toMatch(
      /cannot make the directory junction Z:\\\S*folder-app\\staged\.tmp \(ENOTSUP\)/,
    );
    expect(said).toMatch(/the volume Z:\\ does not make them .*NTFS.*exeFile:/);
    const app = join(dir, "folder-app");
    expect(readdirSync(app).filter((n) => n !== "releases")).toEqual([]);
    expect(existsSync(join(app, "releases")) ? readdirSync(join(app, "releases")) : []).toEqual([]);
    expect((await (await fetch(`${gate}/`)).text()).trim()).toBe("v1");
  }, 240_000);
});
