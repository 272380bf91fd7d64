import { faultPoint } from "../faults.js";
import type { ServerPool } from "../pool/server-pool.js";
import type { ErrorInfo, Judgement } from "../protocol.js";
import { copyToRun, locksRunningExe, pruneRunCopies, restoreRelease } from "./exe-file.js";
import {
  drainRequests,
  judgeByTraffic,
  rejection,
  settle,
  stepper,
  stopServers,
  swapExe,
} from "./steps.js";
import {
  attempt,
  failed,
  healthCheckFailed,
  type SwapContext,
  type SwapOutcome,
} from "./swap-parts.js";

// strategy: overlap. The new servers start beside the old ones, which serve on until
// the new ones are healthy; then the gate switches to them in one step and the old
// ones drain and stop, so no request waits for a server to start. On POSIX the new
// file goes into exeFile first (running servers keep the file they opened); Windows
// locks a running exe, so there the new servers run from a copy under data/ and the
// file goes into exeFile once the old servers have stopped. New servers that fail
// their health check, or stop within health.settle, are stopped and the old ones
// serve on: nothing was swapped. Nothing is held, so the hold is 0 ms.
export async function overlapSwap(cx: SwapContext): Promise<SwapOutcome> {
  const { app, pool: old, kept } = cx;
  const locked = runsFromCopy(cx);
  cx.note(locked ? "start" : "swap"); // the first note lands before anything changes, or throws
  if (!locked) {
    // The old servers restart from their kept copy while exeFile holds the new build.
    if (kept) old.pin(cx.releases.fileOf(kept));
    const stuck = await attempt(() => swapExe(cx));
    if (stuck) {
      old.pin(undefined);
      const message = `could not move the update into exeFile: ${stuck.message}`;
      return { ...failed(kept, "ERR_SWAP", message), holdMs: 0 }; // the old servers serve on
    }
  }

  const next = cx.pools.next();
  const exe = locked ? await copyToRun(cx.incoming, cx.runDir, app.exeFile) : app.exeFile;
  const unhealthy = await startBeside(cx, next, exe);
  faultPoint("after-start");
  if (unhealthy) {
    const { message, output } = healthCheckFailed(unhealthy, next);
    return undoOverlap(cx, { code: "ERR_HEALTH_CHECK", message }, output);
  }

  // Judged by traffic (docs/design.md guarantee 11): a canary first takes a share of
  // clients; after the switch, the watch. The old servers run on until both are over,
  // so a build that fails either hands back to them at once.
  const isNew = (origin: string) => next.serves(origin);
  const isOld = (origin: string) => old.serves(origin);
  const judged: Judgement[] = [];
  const canaryTargets = () => next.targets();
  const canary = await judgeByTraffic(cx, "canary", { isNew, isOld, canaryTargets });
  if (canary) judged.push(canary);
  const dropped = rejection(canary);
  if (dropped) {
    const output = next.output();
    await retireServers(cx, next);
    return undoOverlap(cx, dropped, output, judged);
  }

  await switchServers(cx, next);
  const unstable = kept && app.health.settle > 0 ? await settle(cx, next) : undefined;
  const watched = unstable ? undefined : await judgeByTraffic(cx, "watch", { isNew });
  if (watched) judged.push(watched);
  const failure = unstable ? { code: "ERR_UNSTABLE", message: unstable } : rejection(watched);
  if (failure) {
    await switchServers(cx, old);
    const output = next.output();
    await retireServers(cx, next);
    return undoOverlap(cx, failure, output, judged);
  }
  await retireServers(cx, old);

  if (locked) {
    const stuck = await attempt(() => swapExe(cx));
    if (stuck) {
      const served = await serveExeFile(cx, next, stuck);
      return judged.length > 0 ? { ...served, judged } : served;
    }
  }
  await pruneRunCopies(cx.runDir, next.exe, warnIn(cx));
  return { ok: true, kept, holdMs: 0, ...(judged.length > 0 ? { judged } : {}) };
}

// A config reload's restart of an app with strategy overlap (docs/design.md §7): new
// servers with the new settings start beside the serving ones from the live exeFile,
// the gate switches to them, the old ones drain and stop. Nothing is swapped, so a
// failure to start leaves the old servers serving and nothing to undo.
export async function overlapRestart(cx: SwapContext): Promise<SwapOutcome> {
  const old = cx.pool;
  const next = cx.pools.next();
  const exe = old.exe ?? cx.app.exeFile; // a run copy on Windows: the file the servers run
  const unhealthy = await startBeside(cx, next, exe);
  if (unhealthy) {
    const { output } = healthCheckFailed(unhealthy, next);
    const message = `the new servers did not start: ${unhealthy.message}; the old ones serve on`;
    return { ...failed(undefined, "ERR_RESTART", message, { output }), holdMs: 0 };
  }
  await switchServers(cx, next);
  await retireServers(cx, old);
  return { ok: true, holdMs: 0 };
}

// "start": new servers start from `exe` on fresh ports while the serving ones go
// on answering. The error if they are not healthy within health.timeout; the pool
// has stopped them by then.
function startBeside(cx: SwapContext, pool: ServerPool, exe: string): Promise<Error | undefined> {
  cx.note("start");
  return attempt(() =>
    stepper(cx.emit)(
      "start",
      () => pool.start(exe, cx.emit),
      () => `${cx.app.instances} new server(s) healthy beside the serving ones`,
    ),
  );
}

// "switch", one assignment: from now on the gate's targets are `pool`'s, and any
// request that waited for a server goes out. No request is held for it.
async function switchServers(cx: SwapContext, pool: ServerPool): Promise<void> {
  cx.note("switch");
  await stepper(cx.emit)(
    "switch",
    () => cx.pools.serve(pool),
    () => "new requests go to the new servers",
  );
  faultPoint("after-switch");
}

// Servers the gate no longer sends requests to: they finish the requests they
// have ("drain", cut at drainTimeout), then stop ("unload").
async function retireServers(cx: SwapContext, pool: ServerPool): Promise<void> {
  const step = stepper(cx.emit);
  const count = pool.origins().length;
  cx.note("drain");
  await step(
    "drain",
    () => drainRequests(cx, pool.origins()),
    (idle) =>
      idle
        ? `${count} server(s) finished the requests they had`
        : `${count} server(s) still busy after drainTimeout`,
  );
  faultPoint("after-drain");
  cx.note("unload");
  await step(
    "unload",
    () => stopServers(pool, cx.emit),
    () => `${count} server(s) stopped`,
  );
  faultPoint("after-unload");
}

// The new servers failed and are gone; the old ones never stopped serving. What is
// left to undo is exeFile: on POSIX the new file went in first, so the kept release
// goes back; on Windows it had not gone in yet. Either way the run copy goes.
async function undoOverlap(
  cx: SwapContext,
  failure: ErrorInfo,
  output: string[],
  judged: Judgement[] = [],
): Promise<SwapOutcome> {
  const { app, kept } = cx;
  const locked = runsFromCopy(cx);
  const also = judged.length > 0 ? { judged } : {};
  const outcome = (code: string, message: string, rolledBack: boolean): SwapOutcome => ({
    ...failed(kept, code, message, { output, rolledBack, ...also }),
    holdMs: 0,
  });
  if (!kept && !locked)
    return outcome(
      failure.code,
      `${failure.message}; there is no earlier release to roll back to`,
      false,
    );
  cx.note("rollback");
  const broken = await attempt(() =>
    stepper(cx.emit)(
      "rollback",
      async () => {
        if (kept && !locked) await restoreRelease(cx.releases, kept, app.exeFile, cx.replace);
        await pruneRunCopies(cx.runDir, cx.pool.exe, warnIn(cx));
      },
      () => (kept && !locked ? `exeFile is release ${kept.id} again` : "exeFile was never touched"),
    ),
  );
  if (!broken) cx.pool.pin(undefined); // exeFile is their build again (and the copy may be pruned)
  if (broken && kept)
    return outcome(
      "ERR_ROLLBACK",
      `${failure.message}; the old servers serve on, but putting release ${kept.id} back into exeFile failed: ${broken.message}`,
      false,
    );
  return outcome(failure.code, failure.message, kept !== undefined);
}

// The Windows order's last rename failed, retries and all: the new version serves
// from its run copy while exeFile still holds the old one. exeFile's servers come
// back the overlap way (start, switch, drain, stop), so what serves is what exeFile
// holds and the next start finds no surprise.
async function serveExeFile(
  cx: SwapContext,
  serving: ServerPool,
  stuck: Error,
): Promise<SwapOutcome> {
  const { app, kept } = cx;
  const message = `could not move the update into exeFile: ${stuck.message}`;
  const back = cx.pools.next();
  const down = await startBeside(cx, back, app.exeFile);
  if (down) {
    const still = `; exeFile's version did not start again (${down.message}), so the new one serves on from ${serving.exe}`;
    return { ...failed(kept, "ERR_SWAP", message + still), holdMs: 0 };
  }
  await switchServers(cx, back);
  await retireServers(cx, serving);
  await pruneRunCopies(cx.runDir, back.exe, warnIn(cx));
  return { ...failed(kept, "ERR_SWAP", message, { rolledBack: true }), holdMs: 0 };
}

// Whether the new servers must run from a copy until the old ones stop: a running exe
// that Windows locks. A folder app's servers run inside their release, which the swap
// never touches (it moves the `current` junction), so it swaps first as on POSIX.
const runsFromCopy = (cx: SwapContext) => !cx.app.folder && locksRunningExe(cx.replace);

const warnIn = (cx: SwapContext) => (message: string) =>
  cx.emit({ type: "log", level: "warn", message });
