import type { ReleaseInfo } from "../protocol.js";
import { stopServers } from "./stop-servers.js";
import { restoreRelease } from "./restore-release.js";
import { stepper } from "./step.js";
import { attempt, type SwapContext } from "./swap-parts.js";

// Puts the kept release back and starts its servers, as the "rollback" step
// (inside a hold); the error if that fails too.
export function rollBack(cx: SwapContext, kept: ReleaseInfo): Promise<Error | undefined> {
  const { app, pool } = cx;
  cx.note("rollback");
  return attempt(() =>
    stepper(cx.emit)(
      "rollback",
      async () => {
        await stopServers(pool, cx.emit);
        await restoreRelease(cx.releases, kept, app.exeFile, cx.replace);
        await pool.start(app.exeFile);
      },
      () => `release ${kept.id} serves again`,
    ),
  );
}
