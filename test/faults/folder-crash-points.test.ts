// Guarantee 3 for a folder app: the receiver killing itself (HOTSWAP_FAULT=crash@POINT)
// at each step of a swap, then a second receiver started without the fault. `current`
// links at every instant to one whole release folder, the old one or the new one as
// the point implies; the second receiver serves it, journals where the first stopped,
// and the next deploy goes through.
import {
  existsSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { reapStale } from "../../receiver/pool/reap.js";
import { asidePath } from "../../receiver/swap/exe-file.js";
import { sha256 } from "../helpers/api-client.js";
import { alive } from "../helpers/alive.mjs";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { waitFor } from "../helpers/wait-for.js";
import type { Workspace } from "../helpers/workspace.js";
import { archiveOf, buildFolder, folderWorkspace } from "../folder/folder-kit.js";
import { appStatus, deploy, gateAnswer, serversJson, shutDown, SLOW } from "./fault-kit.js";

// `windows`: every receiver swaps in the Windows order (HOTSWAP_FAULT=win32-locked@0,
// junction-like links): the crash between current's two renames leaves current missing
// and the old link aside, which the second receiver must put back.
const POINTS = [
  { point: "after-hold", phase: "hold", live: "v1", windows: false },
  { point: "after-unload", phase: "unload", live: "v1", windows: false },
  { point: "mid-swap", phase: "swap", live: "v1", windows: false },
  { point: "mid-swap", phase: "swap", live: "v1", windows: true },
  { point: "after-reload", phase: "reload", live: "v2", windows: false },
  { point: "before-release", phase: "release", live: "v2", windows: false },
] as const;

/** Every live process whose program is under `dir` (a folder app's servers). */
function runningUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0");
      if (argv.some((a) => a.startsWith(dir)) && alive(Number(name))) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

describe(
  "a folder app's receiver that SIGKILLs itself during a swap, then starts again",
  SLOW,
  () => {
    let ws: Workspace | undefined;
    let first: ReceiverProcess | undefined;
    let second: ReceiverProcess | undefined;
    afterEach(async () => {
      await shutDown(second);
      await first?.kill();
      if (ws) {
        await reapStale(serversJson(ws));
        const releases = join(ws.dir, "srv", "webdemo", "releases");
        for (const pid of runningUnder(releases)) process.kill(pid, "SIGKILL");
        await waitFor(() => runningUnder(releases).length === 0, "leftover servers to go");
        rmSync(ws.dir, { recursive: true, force: true });
      }
      ws = first = second = undefined;
    }, SLOW.timeout);

    const build = (w: Workspace, version: string) => {
      const dir = buildFolder(join(w.dir, "builds"), version);
      writeFileSync(join(dir, "VERSION"), version);
      const file = join(w.dir, "builds", `${version}.tar.gz`);
      archiveOf(dir, file);
      return file;
    };

    it.each(POINTS)(
      "crash@$point (Windows order: $windows): current is $live whole, the second receiver serves it and journals $phase",
      async ({ point, phase, live, windows }) => {
        const order: Record<string, string> = windows ? { HOTSWAP_FAULT: "win32-locked@0" } : {};
        const w = (ws = folderWorkspace());
        const current = join(w.dir, "srv", "webdemo", "current");
        const files = { v1: build(w, "v1"), v2: build(w, "v2") };
        const digest = { v1: sha256(readFileSync(files.v1)), v2: sha256(readFileSync(files.v2)) };

        // v1 goes live normally; the receiver that deploys v2 dies at the point.
        const setup = await startReceiver(w.configFile, order);
        expect((await deploy(setup, files.v1)).result).toMatchObject({ ok: true });
        await setup.stop();
        const crash = windows ? `win32-locked@0,crash@${point}` : `crash@${point}`;
        first = await startReceiver(w.configFile, { HOTSWAP_FAULT: crash });
        await deploy(first, files.v2).catch(() => undefined);
        const child = first.child;
        await waitFor(
          () => child.exitCode !== null || child.signalCode !== null,
          "the first to die",
        );
        expect(child.signalCode).toBe("SIGKILL");

        // Between the two receivers: current links to one whole release, the expected one;
        // in the Windows order, cut between its renames, the old link is aside instead.
        expect(existsSync(current)).toBe(!windows);
        const release = realpathSync(windows ? asidePath(current) : current);
        expect(readFileSync(join(release, "VERSION"), "utf8")).toBe(live);
        expect(JSON.parse(readFileSync(`${release}.json`, "utf8"))).toMatchObject({
          sha256: digest[live],
        });

        second = await startReceiver(w.configFile, order);
        await waitFor(
          async () => (await gateAnswer(second!)) === `200 ${live}`,
          `${live} served again`,
        );
        const status = await appStatus(second);
        expect(status.current).toMatchObject({ sha256: digest[live], version: `testapp ${live}` });
        const started = status.recent.find((e) => e.op === "deploy" && e.outcome === "started");
        expect(status.recent[0]).toMatchObject({
          op: "recover",
          outcome: "interrupted",
          deployId: started!.deployId,
        });
        expect(status.recent[0]!.message).toContain(
          `the receiver stopped during "${phase}" of deploy ${started!.deployId}; exeFile is ${live === "v1" ? "the old file" : "the new file"}`,
        );
        expect(
          readdirSync(join(w.dir, "srv", "webdemo")).filter((n) => n.includes(".hotswap-")),
        ).toEqual([]);

        const v3 = build(w, "v3");
        expect((await deploy(second, v3)).result).toMatchObject({
          ok: true,
          version: { version: "testapp v3" },
        });
        expect(await gateAnswer(second)).toBe("200 v3");
      },
    );
  },
);
