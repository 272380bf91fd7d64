import { HttpError } from "../http-error.js";
import type { VersionInfo } from "../protocol.js";
import { noVersionLog } from "../version/no-version-log.js";
import { versionInfo } from "../version/version-info.js";
import type { AppRuntime } from "./app-runtime.js";
import type { Operation } from "./operation.js";
import { runSwap } from "./run-swap.js";

// Swaps in what is staged at updateFile (the seed's UpdateExe link); nothing
// staged is a 404 before the lock is held for anything. `force`: even when it is live.
export function swapOperation(rt: AppRuntime, force = false): Operation {
  const app = rt.config;
  let staged: VersionInfo | null = null;
  let noVersion: string | undefined;
  return {
    op: "swap",
    prepare: async () => {
      staged = await versionInfo(app.updateFile, app.versionCommand, (why) => (noVersion = why));
      if (!staged)
        throw new HttpError(
          404,
          "ERR_NOTHING_STAGED",
          `nothing is staged at ${app.updateFile}: upload first`,
        );
    },
    run: (ctx) => {
      if (noVersion) noVersionLog(ctx.emit, "updateFile")(noVersion);
      return runSwap(rt, "swap", { path: app.updateFile, info: staged! }, { ...ctx, force });
    },
  };
}
