import type { JournalEntry, ReleaseInfo, ResultEvent, VersionInfo } from "../protocol.js";
import { besideExe } from "../swap/exe-file.js";
import { hotRestart, hotSwap, type Incoming, type SwapOutcome } from "../swap/hot-swap.js";
import type { Emit } from "../swap/steps.js";
import { rememberDigest, versionInfo } from "../version/version-info.js";
import type { AppRuntime } from "./app-runtime.js";
import { afterRelease, beforeSwap } from "./deploy-hooks.js";
import { unchangedResult } from "./unchanged-result.js";
import { WatchControl } from "../watch/watch-control.js";

export interface RunContext {
  deployId: string;
  who: JournalEntry["who"];
  emit: Emit;
  startedAt: number;
  /** A restart the overlap way (a config reload of an app with strategy overlap). */
  overlap?: boolean;
  /** Swap even when the incoming file is the live one (deploy and swap; docs/design.md §4). */
  force?: boolean;
  /** The watch this operation ended to take the lock (start-operation.ts endWatch). */
  endedWatch?: { deployId: string; how: "promoted" | "aborted" };
}

// A deploy, swap, rollback or restart from the journal's point of view: journaled
// when it starts and when it ends, releases pruned, the live version echoed back.
// A restart's incoming file is the live exeFile itself: its servers restart on it.
export async function runSwap(
  rt: AppRuntime,
  op: "deploy" | "swap" | "rollback" | "restart",
  incoming: Incoming,
  ctx: RunContext,
): Promise<ResultEvent> {
  const { config: app, journal } = rt;
  const base = { deployId: ctx.deployId, app: app.name, who: ctx.who };
  const previous = await versionInfo(app.exeFile, app.versionCommand);
  const deploying = op === "deploy" || op === "swap";
  if (deploying && !ctx.force && previous?.sha256 === incoming.info.sha256)
    return unchangedResult(rt, op, previous, ctx);
  if (deploying) {
    const refused = await beforeSwap(rt, op, incoming, ctx);
    if (refused) return refused;
  }
  await journal.append({
    ...base,
    op,
    outcome: "started",
    at: new Date().toISOString(),
    before: previous ?? undefined,
    after: incoming.info,
  });
  // A deploy or swap of an app with watch or canary is judged by traffic until its
  // result: promote and abort reach it through rt.watching meanwhile.
  const judging = deploying && (app.watch !== undefined || app.canary !== undefined);
  const watch = judging ? new WatchControl(ctx.deployId, rt.gate.recentAnswers()) : undefined;
  rt.watching = watch;
  const parts = {
    app,
    watch,
    pool: rt.pool,
    pools: rt.pools,
    gate: rt.gate,
    releases: rt.releases,
    record: rt.record,
    runDir: rt.runDir,
    replace: rt.replace,
  };
  const run = { deployId: ctx.deployId, previous };
  let outcome: SwapOutcome;
  try {
    outcome =
      op === "restart"
        ? await hotRestart(parts, incoming, run, ctx.emit, ctx.overlap)
        : await hotSwap(parts, await besideExe(incoming, app.exeFile), { ...run, op }, ctx.emit);
  } catch (error) {
    // hotSwap reports every expected failure as an outcome; this is the rest
    // (a disk that refuses the kept copy, say). Journal it all the same.
    outcome = {
      ok: false,
      holdMs: 0,
      error: {
        code: op === "restart" ? "ERR_RESTART" : "ERR_SWAP_FAILED",
        message: (error as Error).message,
      },
    };
  } finally {
    rt.watching = undefined;
    // What answered before is not what serves now (a rolled-back build's errors must not
    // become the next watch's baseline): the next baseline starts here.
    rt.gate.forgetAnswers();
  }
  const judged = outcome.judged ? { judged: outcome.judged } : {};
  // The live file is now the incoming one, or the kept one after a rollback: no need to hash it or run versionCommand again.
  if (outcome.ok) await rememberDigest(app.exeFile, incoming.info.sha256).catch(() => {});
  const now = outcome.ok
    ? incoming.info
    : outcome.rolledBack && outcome.kept
      ? versionOf(outcome.kept)
      : ((await versionInfo(app.exeFile, app.versionCommand)) ?? undefined);
  await rt.releases.prune(app.keepReleases, outcome.kept ? [outcome.kept.id] : []);
  const durationMs = Math.round(performance.now() - ctx.startedAt);
  await journal.append({
    ...base,
    op,
    outcome: outcome.ok ? "ok" : outcome.rolledBack ? "rolled-back" : "failed",
    at: new Date().toISOString(),
    before: previous ?? undefined,
    after: now,
    // What failed, for the history to show beside what serves (a restart tries the live file again).
    ...(outcome.ok || op === "restart" ? {} : { tried: incoming.info }),
    holdMs: outcome.holdMs,
    durationMs,
    error: outcome.ok ? undefined : outcome.error,
    ...judged,
  });
  // Only now is the swap over: a crash before this line is found and journaled at the next start.
  rt.record.clear();
  const common = {
    type: "result" as const,
    deployId: ctx.deployId,
    op,
    app: app.name,
    previous: previous ?? undefined,
    holdMs: outcome.holdMs,
    durationMs,
    ...judged,
  };
  if (outcome.ok) {
    if (!now) throw new Error(`exeFile ${app.exeFile} is missing after a swap that succeeded`);
    if (deploying) await afterRelease(rt, outcome.kept, ctx);
    return {
      ...common,
      ok: true,
      version: now,
      durationMs: Math.round(performance.now() - ctx.startedAt),
    };
  }
  return {
    ...common,
    ok: false,
    version: now,
    error: outcome.error,
    rolledBack: outcome.rolledBack ?? false,
    ...(outcome.output ? { output: outcome.output } : {}),
  };
}

/** A kept release as the version it is, without its bookkeeping. */
function versionOf({ sha256, size, mtime, version }: ReleaseInfo): VersionInfo {
  return { sha256, size, mtime, ...(version ? { version } : {}) };
}
