import { readdir, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { createLog, type Log } from "../log.js";
import { STAGING_TMP } from "./write-staged.js";

// Temp files of uploads cut short by a receiver crash; removed at start. Only a
// missing folder means nothing to clean: one that cannot be read is an error,
// and a temp file that cannot be removed is logged, not counted.
export async function cleanStaging(
  updateFile: string,
  log: Log = createLog("staging"),
): Promise<number> {
  const dir = dirname(updateFile);
  const prefix = `${STAGING_TMP}${basename(updateFile)}-`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw new Error(`cannot read updateFile's folder ${dir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let removed = 0;
  for (const name of names.filter((n) => n.startsWith(prefix))) {
    try {
      await unlink(join(dir, name));
      removed++;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT")
        log(
          "warn",
          `could not remove the upload left over in ${join(dir, name)}: ${(error as Error).message}`,
        );
    }
  }
  return removed;
}
