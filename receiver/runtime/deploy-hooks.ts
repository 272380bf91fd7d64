import { realpath } from "node:fs/promises";
import { dirname, join } from "node:path";
import { runHooks } from "../hooks/run-hooks.js";
import { fillPlaceholders } from "../pool/placeholders.js";
import type { FailedResult, ReleaseInfo, StepName } from "../protocol.js";
import type { Incoming } from "../swap/swap-parts.js";
import type { AppRuntime } from "./app-runtime.js";
import type { RunContext } from "./run-swap.js";

// The app's hooks around a deploy or swap (docs/design.md "Folder apps, hooks"). A
// folder app's run in the new release folder, a single-file app's beside updateFile, with the env its servers get and HOTSWAP_APP,
// HOTSWAP_RELEASE (the incoming file) and HOTSWAP_PREVIOUS (the live one before:
// exeFile itself before the swap, its kept copy after). Each list is one step of the
// stream, its output `log` events. A rollback or a restart runs none: they put back
// or restart what ran before, and a migration must not run twice.

/** beforeSwap, before the hold: a failure refuses the deploy with nothing changed. */
export async function beforeSwap(
  rt: AppRuntime,
  op: "deploy" | "swap",
  incoming: Incoming,
  ctx: RunContext,
): Promise<FailedResult | undefined> {
  const app = rt.config;
  // A folder app's: the release folders the links point at (current may not exist yet).
  const release = app.folder ? await realpath(incoming.path) : incoming.path;
  const live = app.folder ? await realpath(app.exeFile).catch(() => "") : app.exeFile;
  const outcome = await run(rt, "beforeSwap", release, live, ctx);
  if (!outcome || outcome.ok) return undefined;
  const message = `beforeSwap ${outcome.command} ${outcome.reason}; nothing was changed`;
  const durationMs = Math.round(performance.now() - ctx.startedAt);
  const base = { deployId: ctx.deployId, app: app.name, op };
  const error = { code: "ERR_HOOK_FAILED", message };
  await rt.journal.append({
    ...base,
    who: ctx.who,
    outcome: "failed",
    at: new Date().toISOString(),
    after: incoming.info,
    holdMs: 0,
    durationMs,
    error,
  });
  return {
    type: "result",
    ok: false,
    ...base,
    error,
    rolledBack: false,
    output: outcome.output,
    version: incoming.info,
    holdMs: 0,
    durationMs,
  };
}

/** afterRelease, once the new build serves: a failure is reported, the build stays live. */
export async function afterRelease(
  rt: AppRuntime,
  kept: ReleaseInfo | undefined,
  ctx: RunContext,
): Promise<void> {
  const app = rt.config;
  const previous = kept ? rt.releases.fileOf(kept) : "";
  const release = app.folder ? await realpath(app.exeFile) : app.exeFile;
  const outcome = await run(rt, "afterRelease", release, previous, ctx);
  if (!outcome || outcome.ok) return;
  // The stream has the failure already (runHooks logs it); the receiver's log gets it too.
  rt.log("warn", `afterRelease ${outcome.command} ${outcome.reason}; the new build stays live`);
}

async function run(
  rt: AppRuntime,
  step: StepName & ("beforeSwap" | "afterRelease"),
  release: string,
  previous: string,
  ctx: RunContext,
) {
  const app = rt.config;
  const commands = app.hooks[step];
  if (commands.length === 0) return undefined;
  ctx.emit({ type: "step", step, state: "start" });
  const env = Object.fromEntries(
    Object.entries(app.env).map(([k, v]) => [
      k,
      fillPlaceholders(v, {
        port: 0,
        instance: 0,
        exe: app.folder ? join(release, app.folder.exe) : app.exeFile,
        release: app.folder ? release : dirname(app.exeFile),
      }),
    ]),
  );
  const outcome = await runHooks(step, commands, {
    cwd: app.folder ? release : dirname(app.updateFile),
    // What the app's servers get (spawn-server.ts): the receiver's env, the app's over it.
    env: {
      ...(process.env as Record<string, string>),
      ...env,
      HOTSWAP_APP: app.name,
      HOTSWAP_RELEASE: release,
      HOTSWAP_PREVIOUS: previous,
    },
    timeoutMs: app.hooks.timeout,
    log: (level, message) => ctx.emit({ type: "log", level, message }),
    pidFile: rt.hooksPidFile,
  });
  ctx.emit({
    type: "step",
    step,
    state: outcome.ok ? "done" : "failed",
    ms: Math.round(outcome.ms),
    ...(outcome.ok ? {} : { message: `${outcome.command} ${outcome.reason}` }),
  });
  return outcome;
}
