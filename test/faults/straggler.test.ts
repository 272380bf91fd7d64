// Guarantee 8 on Linux, against a real obstacle: the receiver swaps in the Windows
// order (HOTSWAP_FAULT=win32-locked@0: exeFile renamed aside, then the new one moved
// in, with retries, and not one failure injected), while a straggler process holds
// exeFile immutable (chattr +i), so every rename of it fails with EPERM, as Windows
// fails the rename of a locked exe, until the straggler lets go. A lock that passes
// within the retries costs no request; one that does not leaves the old exe in place
// and serving, and says so. Needs root and a file system with the immutable bit (ext4,
// xfs, btrfs); elsewhere the tests are skipped with the reason printed.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { FailedResult, StreamEvent } from "../../receiver/protocol.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { waitFor } from "../helpers/wait-for.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";
import { formatReport, loadReport, openLoad, type OpenLoad } from "../load/open-load.mjs";
import {
  appStatus,
  deploy,
  gateAnswer,
  reapLeftovers,
  shutDown,
  stepTrail,
  swapDebris,
  SLOW,
} from "./fault-kit.js";

const RATE = 50; // GET / per second through the gate, whether or not answers keep up

const immutable = (file: string) => execFileSync("lsattr", ["-d", file], { encoding: "utf8" });
const isImmutable = (file: string) => /^\S*i/.test(immutable(file));

// Whether chattr +i makes a rename fail with EPERM here (root, chattr, a file system
// with the bit, as the workspaces in tmpdir() have), or why not.
function immutableBitWorks(): string | undefined {
  if (process.platform !== "linux") return `chattr needs Linux, not ${process.platform}`;
  if (process.getuid?.() !== 0) return "chattr +i needs root";
  const dir = mkdtempSync(join(tmpdir(), "hotswap-chattr-"));
  const file = join(dir, "probe");
  writeFileSync(file, "");
  try {
    execFileSync("chattr", ["+i", file], { stdio: "pipe" });
    try {
      renameSync(file, `${file}.moved`);
      return "a rename of an immutable file succeeded here";
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return code === "EPERM" ? undefined : `renaming an immutable file failed with ${code}`;
    } finally {
      execFileSync("chattr", ["-i", file], { stdio: "pipe" });
    }
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return `chattr +i failed in ${tmpdir()}: ${stderr || (error as Error).message}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const skip = immutableBitWorks();
if (skip) console.warn(`straggler tests skipped: ${skip}`);

interface Straggler {
  child: ChildProcess;
  /** Lets go of exeFile `afterMs` from now; resolves once it has. */
  release(afterMs?: number): Promise<void>;
}

// Another process that holds exeFile against renames (as an antivirus scan or a
// server slow to exit holds an exe on Windows) until it is told to let go.
async function straggler(exeFile: string): Promise<Straggler> {
  const code = `
    const { execFileSync } = require("node:child_process");
    const exe = ${JSON.stringify(exeFile)};
    execFileSync("chattr", ["+i", exe]);
    console.log("holding");
    process.stdin.once("data", (ms) => setTimeout(() => {
      execFileSync("chattr", ["-i", exe]);
      console.log("released");
    }, Number(ms)));`;
  const child = spawn(process.execPath, ["-e", code], { stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  await waitFor(() => out.includes("holding"), "the straggler to hold exeFile");
  return {
    child,
    async release(afterMs = 0) {
      child.stdin!.write(String(afterMs));
      await waitFor(() => out.includes("released"), "the straggler to let go", afterMs + 15_000);
    },
  };
}

describe.skipIf(skip !== undefined)(
  "a swap in the Windows order while a straggler holds exeFile (chattr +i: renames fail with EPERM)",
  SLOW,
  () => {
    let ws: Workspace | undefined;
    let rx: ReceiverProcess | undefined;
    let load: OpenLoad | undefined;
    let holder: Straggler | undefined;
    afterEach(async () => {
      await load?.stop();
      if (ws && existsSync(ws.exeFile)) execFileSync("chattr", ["-i", ws.exeFile]);
      if (holder?.child.exitCode === null) {
        const gone = new Promise((r) => holder!.child.once("exit", r));
        holder.child.kill("SIGKILL");
        await gone;
      }
      await shutDown(rx);
      await reapLeftovers(ws);
      if (ws) rmSync(ws.dir, { recursive: true, force: true });
      ws = rx = holder = load = undefined;
    }, SLOW.timeout);

    async function receiverUnderLoad(w: Workspace) {
      rx = await startReceiver(w.configFile, { HOTSWAP_FAULT: "win32-locked@0" });
      expect(rx.logs.join("\n")).toContain("HOTSWAP_FAULT=win32-locked@0 is set");
      holder = await straggler(w.exeFile);
      // The obstacle is real: nobody can rename exeFile now.
      expect(() => renameSync(w.exeFile, `${w.exeFile}.probe`)).toThrow(/EPERM/);
      load = openLoad({ url: rx.gate(), rate: RATE, durationMs: 90_000 });
      await waitFor(() => loadReport(load!.samples).ok >= RATE, "traffic through the gate");
      return { rx, holder, load };
    }

    it("a lock that passes within the retries: the swap waits it out and succeeds, no request fails, no aside file is left", async () => {
      const w = (ws = createWorkspace());
      const { rx, holder, load } = await receiverUnderLoad(w);
      let lockedAtSwap = false;
      let released: Promise<void> | undefined;
      const d = await deploy(rx, w.version("v2"), (e: StreamEvent) => {
        if (e.type !== "step" || e.step !== "swap" || e.state !== "start") return;
        // The swap's first rename meets the lock; it lets go half a second later,
        // well inside the retries (about 5 s in all).
        lockedAtSwap = isImmutable(w.exeFile);
        released = holder.release(500);
      });
      await released;
      expect(lockedAtSwap).toBe(true);
      expect(d.result).toMatchObject({ ok: true, version: { version: "testapp v2" } });
      expect(stepTrail(d.events)).toContain("swap:done");
      await waitFor(() => loadReport(load.samples).versions.at(-1) === "v2", "v2 answering");
      const report = loadReport(await load.stop());

      expect(report.failures, formatReport(report)).toEqual({});
      expect(report.versions).toEqual(["v1", "v2"]);
      expect(readFileSync(w.exeFile).equals(readFileSync(w.version("v2")))).toBe(true);
      expect(swapDebris(w)).toEqual([]); // no aside, incoming or restore copy
      expect(await gateAnswer(rx)).toBe("200 v2");
    });

    it("a lock that outlasts the retries: the swap fails cleanly with ERR_SWAP (EPERM), v1 stays in place and serves, a swap after the lock succeeds", async () => {
      const w = (ws = createWorkspace());
      const { rx, holder, load } = await receiverUnderLoad(w);
      const v1 = readFileSync(w.exeFile);
      const v2 = readFileSync(w.version("v2"));
      const d = await deploy(rx, w.version("v2"));
      const report = loadReport(await load.stop());
      expect(isImmutable(w.exeFile)).toBe(true); // held the whole time

      expect(d.status).toBe(200);
      expect(d.result).toMatchObject({
        ok: false,
        error: { code: "ERR_SWAP" },
        version: { version: "testapp v1" },
      });
      expect((d.result as FailedResult).error.message).toMatch(/EPERM/);
      expect(stepTrail(d.events)).toEqual(
        expect.arrayContaining(["swap:failed", "reload:done", "release:done"]),
      );
      expect(report.failures, formatReport(report)).toEqual({});
      expect(report.versions).toEqual(["v1"]);
      expect(readFileSync(w.exeFile).equals(v1)).toBe(true);
      expect(swapDebris(w)).toEqual([]); // no aside, incoming or restore copy
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

      // Once the straggler lets go, the next swap goes through.
      await holder.release();
      const again = await deploy(rx, w.version("v2"));
      expect(again.result).toMatchObject({ ok: true, version: { version: "testapp v2" } });
      expect(await gateAnswer(rx)).toBe("200 v2");
      expect(swapDebris(w)).toEqual([]);
    });
  },
);
