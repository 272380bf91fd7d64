import * as fsp from "node:fs/promises";

export interface FsyncDirOptions {
  /** Tests pass "win32" to check what is forgiven there. */
  platform?: NodeJS.Platform;
  /** The open, so tests can inject EIO as a failing disk raises it. */
  open?: (path: string, flags: string) => Promise<Pick<fsp.FileHandle, "sync" | "close">>;
}

// Errors that mean "this platform cannot flush a folder", not "the flush failed".
// Windows cannot open a folder for that (EISDIR, EPERM) and its renames are
// durable already; some file systems answer EINVAL to any directory fsync.
const cannot = (platform: NodeJS.Platform): readonly string[] =>
  platform === "win32" ? ["EISDIR", "EPERM", "EACCES", "EINVAL"] : ["EINVAL"];

// A rename is durable only once its folder is flushed. A real failure (EIO: the
// disk lost the write) is thrown: the rename before it may not survive a crash.
export async function fsyncDir(dir: string, options: FsyncDirOptions = {}): Promise<void> {
  const open = options.open ?? fsp.open;
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    if (!cannot(options.platform ?? process.platform).includes(code)) throw error;
  }
}
