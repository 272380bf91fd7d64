import { faultPoint } from "../faults.js";
import type { ReleaseInfo } from "../protocol.js";
import { restoreRelease } from "./exe-file.js";
import {
  drainRequests,
  judgeByTraffic,
  rejection,
  settle,
  warnUnjudged,
  stepper,
  stopServers,
  swapExe,
} from "./steps.js";
import {
  attempt,
  failed,
  healthCheckFailed,
  type ServersContext,
  type SwapContext,
  type SwapOutcome,
  type Unheld,
} from "./swap-parts.js";

// strategy: hold, the seed's sequence: hold new requests at the gate, unload the
// servers (after in-flight requests finish), swap the file, reload the servers,
// release the hold. New servers that fail their health check, or stop within
// health.settle after it, make way for the kept release, which serves again.
export async function holdSwap(cx: SwapContext): Promise<SwapOutcome> {
  const { app, pool, kept } = cx;
  const { value: outcome, holdMs } = await holdRequests(cx, async (): Promise<Unheld> => {
    const running = await attempt(() => unload(cx));
    if (running) return notStopped(cx, running);
    const stuck = await attempt(() => swapExe(cx));
    if (stuck) return notSwapped(cx, stuck);
    const unhealthy = await reload(cx);
    if (!unhealthy) return { ok: true, kept };
    return rolledBackUnhealthy(cx, unhealthy);
  });
  if (!outcome.ok || !kept) {
    if (outcome.ok && app.watch) warnUnjudged(cx);
    return { ...outcome, holdMs };
  }

  // Released: the build may still prove bad, by its servers stopping (settle) or by
  // its answers (watch); either way the kept release goes back under a second hold.
  const unstable = app.health.settle > 0 ? await settle(cx, pool) : undefined;
  const serving = (origin: string) => pool.serves(origin);
  const watched = unstable ? undefined : await judgeByTraffic(cx, "watch", { isNew: serving });
  const judged = watched ? { judged: [watched] } : {};
  const failure = unstable ? { code: "ERR_UNSTABLE", message: unstable } : rejection(watched);
  if (!failure) return { ...outcome, ...judged, holdMs };
  const output = pool.output();
  // Servers a watch rejected are alive and answering: their requests finish first (a
  // server that stopped within settle has none).
  const back = await holdRequests(cx, async () => {
    if (!unstable) await drainRequests(cx);
    return rollBack(cx, kept);
  });
  const error = back.value
    ? {
        code: "ERR_ROLLBACK",
        message: `${failure.message}; rolling back to release ${kept.id} failed too, so no server runs: ${back.value.message}`,
      }
    : failure;
  const holdsMs = holdMs + back.holdMs;
  return { ok: false, kept, output, error, rolledBack: !back.value, ...judged, holdMs: holdsMs };
}

// A restart is the same sequence without the swap: hold, unload, reload, release,
// with the same swap record, fault points and drain. There is nothing to roll
// back to: the servers run the file they ran.
export async function holdRestart(cx: ServersContext): Promise<SwapOutcome> {
  const { value: down, holdMs } = await holdRequests(cx, async () => {
    const running = await attempt(() => unload(cx));
    if (running) return running;
    return reload(cx);
  });
  if (!down) return { ok: true, holdMs };
  const { output } = healthCheckFailed(down, cx.pool);
  const message = `the servers did not come back: ${down.message}`;
  return { ...failed(undefined, "ERR_RESTART", message, { output }), holdMs };
}

// Runs `work` with new requests held at the gate, and takes the hold off
// whatever happens: nothing may stand between a swap and the end of its hold.
// The gate stays held after it while someone else holds it too (the admin, by
// hand), and the step and the log say so.
async function holdRequests<T>(
  cx: ServersContext,
  work: () => Promise<T>,
): Promise<{ value: T; holdMs: number }> {
  const { app, gate, emit } = cx;
  const step = stepper(emit);
  cx.note("hold"); // a swap's first note: if it cannot be written, nothing has changed yet
  const heldAt = performance.now();
  await step(
    "hold",
    () => gate.hold(),
    () =>
      `new requests wait at the gate (at most ${app.hold.maxRequests} for ${app.hold.timeout} ms)`,
  );
  faultPoint("after-hold");
  try {
    return { value: await work(), holdMs: Math.round(performance.now() - heldAt) };
  } finally {
    cx.note("release");
    faultPoint("before-release");
    const ended = await step(
      "release",
      () => gate.release(),
      (last) =>
        last
          ? "queued requests go to the servers"
          : "the gate stays on hold: it was held by hand on the admin page; release it there",
    );
    if (!ended) {
      const message = `new requests keep waiting at the gate (up to ${app.hold.timeout} ms each) until the hold put on by hand is released on the admin page`;
      emit({ type: "log", level: "warn", message });
    }
  }
}

// "unload": requests in flight finish (up to drainTimeout, then they are cut),
// then the servers stop.
async function unload(cx: ServersContext): Promise<void> {
  cx.note("unload");
  await stepper(cx.emit)("unload", async () => {
    await drainRequests(cx);
    await stopServers(cx.pool, cx.emit);
  });
  faultPoint("after-unload");
}

// "reload": the servers start from exeFile and must pass their health check within
// health.timeout. The error if they do not (the pool has stopped them by then).
async function reload(cx: ServersContext): Promise<Error | undefined> {
  const { app, pool } = cx;
  cx.note("reload");
  const unhealthy = await attempt(() =>
    stepper(cx.emit)(
      "reload",
      () => pool.start(app.exeFile, cx.emit),
      () => (app.managed ? "the service is up" : `${app.instances} server(s) healthy`),
    ),
  );
  faultPoint("after-reload");
  return unhealthy;
}

// The servers did not stop (a managed service's stop command failed: the pool's own
// servers always stop): exeFile is untouched; the service is started again, in case
// the stop left it half down.
async function notStopped(cx: SwapContext, running: Error): Promise<Unheld> {
  const message = `the servers did not stop, so exeFile was left as it was: ${running.message}`;
  const down = await reload(cx);
  return failed(
    cx.kept,
    "ERR_STOP",
    down ? `${message}; starting them again failed too: ${down.message}` : message,
  );
}

// The swap failed and replaceExe left the old exe in place: bring its servers back.
async function notSwapped(cx: SwapContext, stuck: Error): Promise<Unheld> {
  const message = `could not move the update into exeFile: ${stuck.message}`;
  const down = await reload(cx);
  return failed(
    cx.kept,
    "ERR_SWAP",
    down ? `${message}; the old servers did not start again either: ${down.message}` : message,
  );
}

// The new servers failed their health check: the kept release goes back in.
async function rolledBackUnhealthy(cx: SwapContext, unhealthy: Error): Promise<Unheld> {
  const { kept } = cx;
  const { message, output } = healthCheckFailed(unhealthy, cx.pool);
  if (!kept)
    return failed(
      kept,
      "ERR_HEALTH_CHECK",
      `${message}; there is no earlier release to roll back to`,
      { output },
    );
  const broken = await rollBack(cx, kept);
  if (broken)
    return failed(
      kept,
      "ERR_ROLLBACK",
      `${message}; rolling back to release ${kept.id} failed too, so no server runs: ${broken.message}`,
      { output },
    );
  return failed(kept, "ERR_HEALTH_CHECK", message, { output, rolledBack: true });
}

/** What a roll back needs: the servers, the kept releases and how exeFile is replaced. */
export type RollBackContext = Pick<
  SwapContext,
  "app" | "pool" | "releases" | "replace" | "emit" | "note"
>;

// "rollback": the servers stop, the kept release goes back into exeFile and its
// servers start; the error if that fails too. A swap runs it inside a hold; the
// receiver's start runs it when the file a dead receiver left does not start.
export function rollBack(cx: RollBackContext, kept: ReleaseInfo): Promise<Error | undefined> {
  const { app, pool } = cx;
  cx.note("rollback");
  return attempt(() =>
    stepper(cx.emit)(
      "rollback",
      async () => {
        await stopServers(pool, cx.emit);
        await restoreRelease(cx.releases, kept, app.exeFile, cx.replace);
        await pool.start(app.exeFile, cx.emit);
      },
      () => `release ${kept.id} serves again`,
    ),
  );
}
