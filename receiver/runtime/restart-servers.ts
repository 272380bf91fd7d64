import type { ResultEvent } from "../protocol.js";
import { versionInfo } from "../version/version-info.js";
import type { AppRuntime } from "./app-runtime.js";
import { runSwap, type RunContext } from "./run-swap.js";

// Restarts the app's servers on the same exeFile with the swap's guarantees: the
// hold sequence without the swap (hold, unload, reload, release), journaled and
// recorded as a swap is. With no exeFile there is nothing to restart.
export async function restartServers(rt: AppRuntime, ctx: RunContext): Promise<ResultEvent> {
  const app = rt.config;
  const live = await versionInfo(app.exeFile, app.versionCommand);
  if (live) return runSwap(rt, "restart", { path: app.exeFile, info: live }, ctx);
  const error = {
    code: "ERR_RESTART",
    message: `exeFile ${app.exeFile} does not exist: deploy a first version`,
  };
  const durationMs = Math.round(performance.now() - ctx.startedAt);
  const base = { deployId: ctx.deployId, app: app.name, op: "restart" as const };
  await rt.journal.append({
    ...base,
    who: ctx.who,
    outcome: "failed",
    at: new Date().toISOString(),
    durationMs,
    error,
  });
  return { type: "result", ...base, ok: false, error, holdMs: 0, durationMs };
}
