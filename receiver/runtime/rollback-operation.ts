import { HttpError } from "../http-error.js";
import type { ReleaseInfo, VersionInfo } from "../protocol.js";
import { prepareRestore, restorePath } from "../swap/exe-file.js";
import { NEVER_LIVE } from "../swap/releases.js";
import { versionInfo } from "../version/version-info.js";
import type { AppRuntime } from "./app-runtime.js";
import type { Operation } from "./operation.js";
import { runSwap } from "./run-swap.js";
import { unchangedResult } from "./unchanged-result.js";

// Swaps back to a kept release: the one named by `to`, or else the newest one
// that differs from what runs now. The release is copied beside exeFile before
// the hold, so the hold covers only a rename.
export function rollbackOperation(rt: AppRuntime, to?: string): Operation {
  const app = rt.config;
  let release: ReleaseInfo | undefined;
  let live: VersionInfo | null = null;
  return {
    op: "rollback",
    prepare: async (ctx) => {
      const current = await versionInfo(app.exeFile);
      // This rollback aborted a watch, whose deploy rolled back already: unless another
      // release is named, that was the rollback asked for.
      const undone = ctx.endedWatch?.how === "aborted" ? ctx.endedWatch.deployId : undefined;
      const same = current && (!to || (await rt.releases.find(to))?.sha256 === current.sha256);
      if (undone && same) {
        live = current;
        return;
      }
      const releases = await rt.releases.list();
      release = to
        ? releases.find((r) => r.id === to)
        : releases.find((r) => r.sha256 !== current?.sha256 && r.keptAt !== NEVER_LIVE);
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
      await prepareRestore(rt.releases, release, app.exeFile, rt.replace?.platform);
    },
    run: (ctx) =>
      live
        ? unchangedResult(
            rt,
            "rollback",
            live,
            ctx,
            `the watch of ${ctx.endedWatch?.deployId} was aborted and rolled back: sha256 ${live.sha256.slice(0, 12)} serves again, nothing more to roll back`,
          )
        : runSwap(rt, "rollback", { path: restorePath(app.exeFile), info: release! }, ctx),
  };
}
