import type { ResultEvent, VersionInfo } from "../protocol.js";
import type { AppRuntime } from "./app-runtime.js";
import type { RunContext } from "./run-swap.js";

// The artifact is the live file already (the same SHA-256): nothing to hold or restart.
// Answered ok with `unchanged`, journaled as such; `force` swaps anyway.
export async function unchangedResult(
  rt: AppRuntime,
  op: "deploy" | "swap" | "rollback",
  live: VersionInfo,
  ctx: RunContext,
  message = `sha256 ${live.sha256.slice(0, 12)} is live already: nothing swapped (force swaps anyway)`,
): Promise<ResultEvent> {
  ctx.emit({ type: "log", level: "info", message });
  const durationMs = Math.round(performance.now() - ctx.startedAt);
  const base = { deployId: ctx.deployId, app: rt.config.name, op };
  await rt.journal.append({
    ...base,
    who: ctx.who,
    outcome: "ok",
    at: new Date().toISOString(),
    before: live,
    after: live,
    holdMs: 0,
    durationMs,
    message,
  });
  return {
    type: "result",
    ok: true,
    ...base,
    unchanged: true,
    version: live,
    previous: live,
    holdMs: 0,
    durationMs,
  };
}
