import type { ResultEvent } from "../protocol.js";
import { stepper, stopServers } from "../swap/steps.js";
import { versionInfo } from "../version/version-info.js";
import type { AppRuntime } from "./app-runtime.js";
import type { RunContext } from "./run-swap.js";

// Restarts the app's servers on the same exeFile with the swap's guarantees:
// hold, drain, stop, start, release; no request fails on the way.
export async function restartServers(rt: AppRuntime, ctx: RunContext): Promise<ResultEvent> {
  const { config: app, gate, pool, journal } = rt;
  const step = stepper(ctx.emit);
  const version = (await versionInfo(app.exeFile, app.versionCommand)) ?? undefined;
  const base = { deployId: ctx.deployId, app: app.name, op: "restart" as const, who: ctx.who };
  const heldAt = performance.now();
  await step("hold", () => gate.hold());
  let error: Error | undefined;
  try {
    await step("unload", async () => {
      if (!(await gate.drain(app.drainTimeoutMs))) gate.cut(); // long-lived answers end here
      await stopServers(pool, ctx.emit);
    });
    await step("reload", () => pool.start(app.exeFile));
  } catch (e) {
    error = e as Error;
  } finally {
    await step("release", () => gate.release());
  }
  const holdMs = Math.round(performance.now() - heldAt);
  const durationMs = Math.round(performance.now() - ctx.startedAt);
  const failure = error && {
    code: "ERR_RESTART",
    message: `the servers did not come back: ${error.message}`,
  };
  await journal.append({
    ...base,
    outcome: failure ? "failed" : "ok",
    at: new Date().toISOString(),
    after: version,
    holdMs,
    durationMs,
    error: failure,
  });
  const common = {
    type: "result" as const,
    deployId: ctx.deployId,
    op: "restart" as const,
    app: app.name,
    holdMs,
    durationMs,
  };
  return failure
    ? { ...common, ok: false, error: failure, version, output: pool.output() }
    : { ...common, ok: true, version: version! };
}
