import { randomBytes } from "node:crypto";
import { mkdir, readdir, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { copyDurable } from "../staging/copy-durable.js";
import type { SwapContext } from "./swap-parts.js";

// Windows locks a running exe, so exeFile cannot take the new file while the old
// servers run it. Strategy overlap runs the new servers from a copy under data/
// instead until the old ones have stopped: a folder of its own (a copy that runs
// is locked too), the file keeping its name so Windows still sees an .exe.
export async function copyToRun(cx: SwapContext): Promise<string> {
  const { incoming, runDir, app } = cx;
  const folder = `${incoming.info.sha256.slice(0, 12)}-${randomBytes(3).toString("hex")}`;
  const path = join(runDir, folder, basename(app.exeFile));
  await mkdir(dirname(path), { recursive: true });
  if ((await copyDurable(incoming.path, path)) !== incoming.info.sha256)
    throw new Error(`${incoming.path} changed while it was copied to ${path}`);
  return path;
}

// Run copies nobody runs any more: all but the folder of `inUse` (the exe the
// serving pool runs). One Windows still holds for a moment goes next time.
export async function pruneRunCopies(runDir: string, inUse?: string): Promise<void> {
  for (const name of await readdir(runDir).catch(() => [] as string[])) {
    const folder = join(runDir, name);
    if (inUse !== undefined && dirname(inUse) === folder) continue;
    await rm(folder, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
  }
}
