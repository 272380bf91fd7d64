import type { Context } from "hono";
import type { ReleaseInfo, VersionInfo } from "../protocol.js";
import { runSwap } from "../runtime/run-swap.js";
import { copyRelease, restorePath } from "../swap/restore-release.js";
import { versionInfo } from "../version/version-info.js";
import type { ApiEnv } from "./api-env.js";
import { HttpError } from "../http-error.js";
import { streamedRun } from "./streamed-run.js";

// POST /v1/apps/{app}/swap: swap in what is staged at updateFile (the seed's UpdateExe link).
export async function swapRoute(c: Context<ApiEnv>): Promise<Response> {
  const rt = c.var.runtime;
  const app = rt.config;
  let staged: VersionInfo | null = null;
  return streamedRun(
    c,
    "swap",
    async () => {
      staged = await versionInfo(app.updateFile, app.versionCommand);
      if (!staged)
        throw new HttpError(
          404,
          "ERR_NOTHING_STAGED",
          `nothing is staged at ${app.updateFile}: upload first`,
        );
    },
    (ctx) => runSwap(rt, "swap", { path: app.updateFile, info: staged! }, ctx),
  );
}

// POST /v1/apps/{app}/rollback[?to=ID]: swap back to a kept release; without
// `to`, to the newest one that differs from what runs now.
export async function rollbackRoute(c: Context<ApiEnv>): Promise<Response> {
  const rt = c.var.runtime;
  const app = rt.config;
  const to = c.req.query("to");
  let release: ReleaseInfo | undefined;
  return streamedRun(
    c,
    "rollback",
    async () => {
      const current = await versionInfo(app.exeFile);
      const releases = await rt.releases.list();
      release = to
        ? releases.find((r) => r.id === to)
        : releases.find((r) => r.sha256 !== current?.sha256);
      if (!release) {
        const ids = releases.map((r) => r.id).join(", ") || "none";
        throw new HttpError(
          404,
          "ERR_NO_RELEASE",
          to
            ? `no kept release ${JSON.stringify(to.slice(0, 80))}; kept: ${ids}`
            : `no kept release differs from the running one; kept: ${ids}`,
        );
      }
      // Copied beside exeFile before the hold, so the hold covers only a rename.
      await copyRelease(rt.releases, release, restorePath(app.exeFile));
    },
    (ctx) => runSwap(rt, "rollback", { path: restorePath(app.exeFile), info: release! }, ctx),
  );
}
