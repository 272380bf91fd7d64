import { HttpError } from "../http-error.js";
import type { ReleaseInfo } from "../protocol.js";
import { prepareRestore, restorePath } from "../swap/exe-file.js";
import { NEVER_LIVE } from "../swap/releases.js";
import { versionInfo } from "../version/version-info.js";
import type { AppRuntime } from "./app-runtime.js";
import type { Operation } from "./operation.js";
import { runSwap } from "./run-swap.js";

// Swaps back to a kept release: the one named by `to`, or else the newest one
// that differs from what runs now. The release is copied beside exeFile before
// the hold, so the hold covers only a rename.
export function rollbackOperation(rt: AppRuntime, to?: string): Operation {
  const app = rt.config;
  let release: ReleaseInfo | undefined;
  return {
    op: "rollback",
    prepare: async () => {
      const current = await versionInfo(app.exeFile);
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
      await prepareRestore(rt.releases, release, app.exeFile);
    },
    run: (ctx) => runSwap(rt, "rollback", { path: restorePath(app.exeFile), info: release! }, ctx),
  };
}
