import { faultPoint } from "../faults.js";
import { locksRunningExe } from "./replace-exe.js";
import { retireServers } from "./retire-servers.js";
import { copyToRun, pruneRunCopies } from "./run-copy.js";
import { serveExeFile } from "./serve-exe-file.js";
import { settle } from "./settle.js";
import { startBeside } from "./start-beside.js";
import { swapExe } from "./swap-exe.js";
import {
  attempt,
  failed,
  healthCheckFailed,
  type SwapContext,
  type SwapOutcome,
} from "./swap-parts.js";
import { switchServers } from "./switch-servers.js";
import { undoOverlap } from "./undo-overlap.js";

// strategy: overlap. The new servers start beside the old ones, which serve on until
// the new ones are healthy; then the gate switches to them in one step and the old
// ones drain and stop, so no request waits for a server to start. On POSIX the new
// file goes into exeFile first (running servers keep the file they opened); Windows
// locks a running exe, so there the new servers run from a copy under data/ and the
// file goes into exeFile once the old servers have stopped. New servers that fail
// their health check, or stop within health.settle, are stopped and the old ones
// serve on: nothing was swapped.
export async function overlapSwap(cx: SwapContext): Promise<SwapOutcome> {
  const { app, pool: old, kept } = cx;
  const locked = locksRunningExe(cx.replace);
  cx.note(locked ? "start" : "swap"); // the first note lands before anything changes, or throws
  if (!locked) {
    const stuck = await attempt(() => swapExe(cx));
    if (stuck) {
      const message = `could not move the update into exeFile: ${stuck.message}`;
      return { ...failed(kept, "ERR_SWAP", message), holdMs: 0 }; // the old servers serve on
    }
  }

  const next = cx.pools.next();
  const unhealthy = await startBeside(cx, next, locked ? await copyToRun(cx) : app.exeFile);
  faultPoint("after-start");
  if (unhealthy) {
    const { message, output } = healthCheckFailed(unhealthy, next);
    return undoOverlap(cx, { code: "ERR_HEALTH_CHECK", message }, output);
  }

  await switchServers(cx, next);
  const unstable = kept && app.health.settle > 0 ? await settle(cx, next) : undefined;
  if (unstable) {
    await switchServers(cx, old);
    const output = next.output();
    await retireServers(cx, next);
    return undoOverlap(cx, { code: "ERR_UNSTABLE", message: unstable }, output);
  }
  await retireServers(cx, old);

  if (locked) {
    cx.note("swap");
    const stuck = await attempt(() => swapExe(cx));
    if (stuck) return serveExeFile(cx, next, stuck);
  }
  await pruneRunCopies(cx.runDir, next.exe);
  return { ok: true, kept, holdMs: 0 }; // nothing was held
}
