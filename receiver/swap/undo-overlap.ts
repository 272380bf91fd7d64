import type { ErrorInfo } from "../protocol.js";
import { locksRunningExe } from "./replace-exe.js";
import { restoreRelease } from "./restore-release.js";
import { pruneRunCopies } from "./run-copy.js";
import { stepper } from "./step.js";
import { attempt, failed, type SwapContext, type SwapOutcome } from "./swap-parts.js";

// The new servers of an overlap swap failed and are gone; the old ones never stopped
// serving. What is left to undo is exeFile: on POSIX the new file went in first, so
// the kept release goes back; on Windows it had not gone in yet. Either way the run
// copy goes.
export async function undoOverlap(
  cx: SwapContext,
  failure: ErrorInfo,
  output: string[],
): Promise<SwapOutcome> {
  const { app, kept } = cx;
  const locked = locksRunningExe(cx.replace);
  const outcome = (code: string, message: string, rolledBack: boolean): SwapOutcome => ({
    ...failed(kept, code, message, { output, rolledBack }),
    holdMs: 0,
  });
  if (!kept && !locked)
    return outcome(
      failure.code,
      `${failure.message}; there is no earlier release to roll back to`,
      false,
    );
  cx.note("rollback");
  const broken = await attempt(() =>
    stepper(cx.emit)(
      "rollback",
      async () => {
        if (kept && !locked) await restoreRelease(cx.releases, kept, app.exeFile, cx.replace);
        await pruneRunCopies(cx.runDir, cx.pool.exe);
      },
      () => (kept && !locked ? `exeFile is release ${kept.id} again` : "exeFile was never touched"),
    ),
  );
  if (broken && kept)
    return outcome(
      "ERR_ROLLBACK",
      `${failure.message}; the old servers serve on, but putting release ${kept.id} back into exeFile failed: ${broken.message}`,
      false,
    );
  return outcome(failure.code, failure.message, kept !== undefined);
}
