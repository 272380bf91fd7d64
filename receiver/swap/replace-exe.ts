import * as fsp from "node:fs/promises";
import { fsyncDir } from "../staging/fsync-dir.js";
import { dirname } from "node:path";
import { faultPoint } from "../faults.js";
import { retryBusy } from "./retry-busy.js";

export interface ReplaceOptions {
  /** Which order to use; tests pass "win32" to exercise the Windows path on Linux. */
  platform?: NodeJS.Platform;
  /** The file operations, so tests can inject EBUSY/EPERM as Windows raises them. */
  fs?: Pick<typeof fsp, "rename" | "unlink" | "access">;
  /** Base delay between retries; doubles up to 1 s. */
  retryDelayMs?: number;
}

/** Whether a running exe is locked against replacement: Windows, or a test that says so. */
export const locksRunningExe = (options: ReplaceOptions = {}) =>
  (options.platform ?? process.platform) === "win32";

/** Where Windows puts the running exe while the new one moves in. */
export const asidePath = (exeFile: string) => `${exeFile}.hotswap-old`;

// Puts `source` in place of exeFile. On POSIX a rename over the old file is
// atomic: exeFile is at every instant the whole old or the whole new file. On
// Windows a running (locked) exe cannot be replaced but can be renamed, so the
// old one is renamed aside first, then the new one moves in; both with retries
// on EBUSY/EPERM/EACCES, and the aside file is put back if the move-in fails.
export async function replaceExe(source: string, exeFile: string, options: ReplaceOptions = {}) {
  const fs = options.fs ?? fsp;
  const retry = <T>(fn: () => Promise<T>) => retryBusy(fn, options.retryDelayMs);
  if (!locksRunningExe(options)) {
    // POSIX never locks a running file: a failure here is real, not a moment's lock.
    faultPoint("mid-swap");
    await fs.rename(source, exeFile);
  } else {
    const aside = asidePath(exeFile);
    await fs.unlink(aside).catch(() => {});
    const hadOld = await fs.access(exeFile).then(
      () => true,
      () => false,
    );
    if (hadOld) await retry(() => fs.rename(exeFile, aside));
    faultPoint("mid-swap"); // the one moment exeFile is absent: recovery renames aside back
    try {
      await retry(() => fs.rename(source, exeFile));
    } catch (error) {
      if (hadOld) await retry(() => fs.rename(aside, exeFile));
      throw error;
    }
    // A straggler may still run the old exe; it is removed at the next swap then.
    if (hadOld) await fs.unlink(aside).catch(() => {});
  }
  await fsyncDir(dirname(exeFile));
}
