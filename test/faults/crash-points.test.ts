// Guarantee 3 with the receiver killing itself (HOTSWAP_FAULT=crash@POINT) at each
// step of a swap, then a second receiver started without the fault: exeFile is the
// whole old or the whole new file, the servers run, requests succeed, the journal
// says where the first one stopped, and nothing the first one started is left.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { StreamEvent } from "../../receiver/protocol.js";
import { asidePath } from "../../receiver/swap/exe-file.js";
import { sha256 } from "../helpers/api-client.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { waitFor } from "../helpers/wait-for.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";
import {
  alive,
  appStatus,
  deploy,
  gateAnswer,
  expectOnlyRunning,
  reapLeftovers,
  shutDown,
  recordedPids,
  stepTrail,
  swapDebris,
  writeFaultyApp,
  SLOW,
} from "./fault-kit.js";

/** Every step of a deploy that succeeds, in order. */
const FULL_TRAIL = ["upload", "hold", "unload", "swap", "reload", "release"].flatMap((s) => [
  `${s}:start`,
  `${s}:done`,
]);

interface CrashPoint {
  point: string;
  /** The last step event the stream can have carried before the kill. */
  lastStep: string;
  /** The phase the journal must name. */
  phase: string;
  /** Which file exeFile must be after the crash. */
  live: "v1" | "v2";
}

const POINTS: CrashPoint[] = [
  { point: "after-hold", lastStep: "hold:done", phase: "hold", live: "v1" },
  { point: "after-unload", lastStep: "unload:done", phase: "unload", live: "v1" },
  { point: "mid-swap", lastStep: "swap:start", phase: "swap", live: "v1" },
  { point: "after-reload", lastStep: "reload:done", phase: "reload", live: "v2" },
  // Reload is over (its servers were healthy) and the hold is not yet released: the
  // receiver stopped during "release", and a journal that says "reload" is wrong.
  { point: "before-release", lastStep: "reload:done", phase: "release", live: "v2" },
];

describe("a receiver that SIGKILLs itself during a swap, then starts again", SLOW, () => {
  let ws: Workspace | undefined;
  let first: ReceiverProcess | undefined;
  let second: ReceiverProcess | undefined;
  afterEach(async () => {
    await shutDown(second);
    await first?.kill(); // only still running when the fault did not fire
    await reapLeftovers(ws); // servers of a killed receiver that was never followed
    if (ws) rmSync(ws.dir, { recursive: true, force: true });
    ws = first = second = undefined;
  }, SLOW.timeout);

  // Starts a receiver with the fault, deploys v2 into it, and waits until it is dead.
  async function crashDuringDeploy(w: Workspace, point: string, build: string) {
    first = await startReceiver(w.configFile, { HOTSWAP_FAULT: `crash@${point}` });
    expect(first.logs.join("\n")).toContain(`HOTSWAP_FAULT=crash@${point} is set`);
    const pidsBefore = (await appStatus(first)).instances.map((s) => s.pid!);
    expect(pidsBefore).toHaveLength(2);
    const events: StreamEvent[] = [];
    await deploy(first, build, (e) => events.push(e)).catch(() => undefined); // cut by the kill
    const child = first.child;
    await waitFor(() => child.exitCode !== null || child.signalCode !== null, "the first to die");
    expect(child.signalCode).toBe("SIGKILL");
    expect(events.filter((e) => e.type === "result")).toEqual([]);
    return { events, pidsBefore, pidsAtKill: recordedPids(w) };
  }

  // The second receiver: no fault, the servers of the first gone, its own ones the only
  // ones running exeFile, both healthy.
  async function restart(w: Workspace, orphans: number[]) {
    second = await startReceiver(w.configFile);
    expect(second.logs.join("\n")).not.toContain("HOTSWAP_FAULT");
    for (const pid of orphans) await waitFor(() => !alive(pid), `server ${pid} of the first to go`);
    const status = await appStatus(second);
    expect(status.instances.map((s) => s.state)).toEqual(["healthy", "healthy"]);
    const mine = status.instances.map((s) => s.pid!).sort((a, b) => a - b);
    expect(mine.filter((pid) => orphans.includes(pid))).toEqual([]);
    await expectOnlyRunning(w.exeFile, mine);
    return status;
  }

  it.each(POINTS)(
    "crash@$point: exeFile is $live whole, the second receiver serves it and journals $phase",
    async ({ point, lastStep, phase, live }) => {
      const w = (ws = createWorkspace());
      const v2 = w.version("v2");
      const build = { v1: readFileSync(w.exeFile), v2: readFileSync(v2) };
      const { events, pidsBefore, pidsAtKill } = await crashDuringDeploy(w, point, v2);
      // The stream stopped at the point, not after it (it may miss the last lines).
      const trail = stepTrail(events);
      const allowed = FULL_TRAIL.slice(0, FULL_TRAIL.indexOf(lastStep) + 1);
      expect(allowed.slice(0, trail.length)).toEqual(trail);

      // Between the two receivers: exeFile is one whole file, the one the point implies.
      expect(readFileSync(w.exeFile).equals(build[live])).toBe(true);

      const status = await restart(w, [...pidsBefore, ...pidsAtKill]);
      expect(await gateAnswer(second!)).toBe(`200 ${live}`);
      expect(readFileSync(w.exeFile).equals(build[live])).toBe(true);
      expect(status.current).toMatchObject({
        sha256: sha256(build[live]),
        version: `testapp ${live}`,
      });
      expect(swapDebris(w)).toEqual([]);

      const started = status.recent.find((e) => e.op === "deploy" && e.outcome === "started");
      expect(started).toBeDefined();
      const which = live === "v1" ? "the old file" : "the new file";
      expect(status.recent[0]).toMatchObject({
        op: "recover",
        outcome: "interrupted",
        deployId: started!.deployId,
        after: { sha256: sha256(build[live]) },
      });
      expect(status.recent[0]!.message).toContain(
        `the receiver stopped during "${phase}" of deploy ${started!.deployId}; exeFile is ${which}`,
      );
      // The interrupted deploy has no other ending in the journal.
      expect(
        status.recent.filter(
          (e) => e.deployId === started!.deployId && e.op === "deploy" && e.outcome !== "started",
        ),
      ).toEqual([]);

      // The state is consistent enough for the next deploy to go through.
      const next = await deploy(second!, w.version("v3"));
      expect(next.result).toMatchObject({ ok: true, version: { version: "testapp v3" } });
      expect(await gateAnswer(second!)).toBe("200 v3");
    },
  );

  it("mid-swap in the Windows order (exeFile renamed aside, the new one not yet in): the aside file goes back", async () => {
    const w = (ws = createWorkspace());
    const v1 = readFileSync(w.exeFile);
    const { pidsBefore, pidsAtKill } = await crashDuringDeploy(w, "mid-swap", w.version("v2"));
    // What the Windows order leaves at this point: the running exe aside, no exeFile.
    // (crash@ and win32-locked@ cannot be combined in one HOTSWAP_FAULT, so the
    // rename aside is done here, on the receiver's own swap record.)
    renameSync(w.exeFile, asidePath(w.exeFile));

    const status = await restart(w, [...pidsBefore, ...pidsAtKill]);
    expect(readFileSync(w.exeFile).equals(v1)).toBe(true);
    expect(existsSync(asidePath(w.exeFile))).toBe(false);
    expect(await gateAnswer(second!)).toBe("200 v1");
    expect(status.recent[0]).toMatchObject({ op: "recover", outcome: "interrupted" });
    expect(status.recent[0]!.message).toMatch(
      /during "swap" of deploy .*; exeFile is the old file/,
    );
  });

  it("after-reload with a new build that no longer starts: the kept release goes back in", async () => {
    const w = (ws = createWorkspace());
    const v1 = readFileSync(w.exeFile);
    const marker = join(w.dir, "v2-is-broken-now");
    const v2 = writeFaultyApp(join(w.dir, "builds", "v2"), {
      version: "v2",
      crashIfExists: marker,
    });
    const { pidsBefore, pidsAtKill } = await crashDuringDeploy(w, "after-reload", v2);
    expect(readFileSync(w.exeFile).equals(readFileSync(v2))).toBe(true);
    writeFileSync(marker, ""); // v2 started once, for the swap; from now on it fails at start

    const status = await restart(w, [...pidsBefore, ...pidsAtKill]);
    expect(readFileSync(w.exeFile).equals(v1)).toBe(true);
    expect(await gateAnswer(second!)).toBe("200 v1");
    expect(status.current).toMatchObject({ sha256: sha256(v1) });
    expect(status.recent.slice(0, 2)).toMatchObject([
      { op: "recover", outcome: "rolled-back", after: { sha256: sha256(v1) } },
      { op: "recover", outcome: "interrupted" },
    ]);
    expect(status.recent[0]!.message).toMatch(/did not start .*serves again/);
    expect(status.recent[1]!.message).toMatch(/during "reload" .*exeFile is the new file/);
  });
});
