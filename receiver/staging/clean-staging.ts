import { readdir, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { STAGING_TMP } from "./write-staged.js";

// Temp files of uploads cut short by a receiver crash; removed at start.
export async function cleanStaging(updateFile: string): Promise<number> {
  const dir = dirname(updateFile);
  const prefix = `${STAGING_TMP}${basename(updateFile)}-`;
  let removed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.startsWith(prefix)) {
      await unlink(join(dir, name)).catch(() => {});
      removed++;
    }
  }
  return removed;
}
