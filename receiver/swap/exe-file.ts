import { randomBytes } from "node:crypto";
import * as fsp from "node:fs/promises";
import { lstat, mkdir, readdir, rm, stat, symlink } from "node:fs/promises";
import { basename, dirname, join, parse, relative, resolve } from "node:path";
import { faultPoint } from "../faults.js";
import { HttpError } from "../http-error.js";
import type { ReleaseInfo } from "../protocol.js";
import { copyDurable } from "../staging/copy-durable.js";
import { fsyncDir } from "../staging/fsync-dir.js";
import type { Releases } from "./releases.js";
import type { Incoming } from "./swap-parts.js";

// Everything that touches exeFile and the files around it, so guarantees 3 and 8
// (docs/design.md) are kept in one place: the replace (one atomic rename, or the
// Windows order with retries), the copies that make that rename possible (beside
// exeFile, a kept release restored), and the copies strategy overlap runs from.

/** Where Windows puts the running exe while the new one moves in. */
export const asidePath = (exeFile: string) => `${exeFile}.hotswap-old`;
/** Where a release is copied before it replaces exeFile: beside it, so the rename is atomic. */
export const restorePath = (exeFile: string) => `${exeFile}.hotswap-restore`;
/** Where an incoming file from another file system is copied before the hold. */
export const incomingPath = (exeFile: string) => `${exeFile}.hotswap-incoming`;

export interface ReplaceOptions {
  /** Which order to use; tests pass "win32" to exercise the Windows path on Linux. */
  platform?: NodeJS.Platform;
  /** The file operations, so tests can inject EBUSY/EPERM as Windows raises them. */
  fs?: Pick<typeof fsp, "rename" | "unlink" | "lstat">;
  /** Base delay between retries; doubles up to 1 s. */
  retryDelayMs?: number;
}

/** Whether a running exe is locked against replacement: Windows, or a test that says so. */
export const locksRunningExe = (options: ReplaceOptions = {}) =>
  (options.platform ?? process.platform) === "win32";

// Puts `source` in place of exeFile. On POSIX a rename over the old file is
// atomic: exeFile is at every instant the whole old or the whole new file. On
// Windows a running (locked) exe cannot be replaced but can be renamed, so the
// old one is renamed aside first, then the new one moves in; both with retries
// on EBUSY/EPERM/EACCES, and the aside file is put back if the move-in fails.
// A folder app's `current` takes the same order there: it is a directory junction,
// and Windows renames nothing over a directory (MoveFileEx refuses one). A crash
// between the two renames leaves exeFile missing and the aside one whole, which
// recovery renames back (recover.ts).
export async function replaceExe(source: string, exeFile: string, options: ReplaceOptions = {}) {
  const fs = options.fs ?? fsp;
  const retry = <T>(fn: () => Promise<T>) => retryBusy(fn, options.retryDelayMs);
  if (!locksRunningExe(options)) {
    // POSIX never locks a running file: a failure here is real, not a moment's lock.
    faultPoint("mid-swap");
    await fs.rename(source, exeFile);
  } else {
    const aside = asidePath(exeFile);
    await clearAside(fs, aside);
    // lstat: a junction whose release folder was removed is still in the way.
    const hadOld = await fs.lstat(exeFile).then(
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

// The aside name must be free for the rename aside. What is there is an earlier swap's
// old exe: gone unless a straggler still runs it, and Windows refuses to delete a running
// image (EPERM) but lets it be renamed, so it moves to a name of its own and is removed
// at a later swap once the straggler has gone. Found under Wine: the second swap while
// an outside process still ran the first one's old exe failed with EPERM.
async function clearAside(fs: NonNullable<ReplaceOptions["fs"]>, aside: string): Promise<void> {
  const folder = dirname(aside);
  const prefix = `${basename(aside)}-`;
  const stale = await readdir(folder).catch(() => [] as string[]);
  for (const name of stale.filter((n) => n.startsWith(prefix)))
    await fs.unlink(join(folder, name)).catch(() => {}); // still running: next time
  try {
    await fs.unlink(aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    await fs.rename(aside, `${aside}-${randomBytes(4).toString("hex")}`);
  }
}

const BUSY = new Set(["EBUSY", "EPERM", "EACCES"]);
const ATTEMPTS = 10;

// Windows refuses to move a file another process holds open (an antivirus scan,
// a server slow to exit) with EBUSY/EPERM/EACCES for a moment: wait and retry.
export async function retryBusy<T>(fn: () => Promise<T>, baseDelayMs = 50): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (!code || !BUSY.has(code) || attempt >= ATTEMPTS) throw error;
      await new Promise((r) => setTimeout(r, Math.min(baseDelayMs * 2 ** (attempt - 1), 1000)));
    }
  }
}

// Puts a kept release back into exeFile by copy-then-rename, so exeFile is never
// half-written and the release stays kept for a later roll forward or back.
export async function restoreRelease(
  releases: Releases,
  release: ReleaseInfo,
  exeFile: string,
  replace?: ReplaceOptions,
) {
  await prepareRestore(releases, release, exeFile, replace?.platform);
  await replaceExe(restorePath(exeFile), exeFile, replace);
}

// What replaceExe moves into exeFile to put a kept release back: a checked copy of its
// file beside exeFile, or, for a folder app, a link to its release folder.
export async function prepareRestore(
  releases: Releases,
  release: ReleaseInfo,
  exeFile: string,
  platform?: NodeJS.Platform,
): Promise<void> {
  if (releases.folder) {
    const folder = releases.fileOf(release);
    const isDir = await stat(folder).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isDir) throw new Error(`release ${release.id} has no folder ${folder} any more`);
    await linkRelease(folder, restorePath(exeFile), platform);
  } else await copyRelease(releases, release, restorePath(exeFile));
}

// A folder app's link to a release folder (current, staged, or the restore link that
// becomes current), made as `link` in place of whatever link was there. On POSIX a
// symlink, relative (the folder can move); on Windows a directory junction, which
// needs no privilege (a symlink does) and an absolute target. Not flushed: the rename
// that puts it in use flushes the folder.
export async function linkRelease(
  release: string,
  link: string,
  platform: NodeJS.Platform = process.platform,
): Promise<void> {
  await removeLink(link);
  if (platform !== "win32") return symlink(relative(dirname(link), release), link);
  try {
    await symlink(resolve(release), link, "junction");
  } catch (error) {
    throw noJunction(link, error as NodeJS.ErrnoException);
  }
}

// Junctions are an NTFS (and ReFS) feature: FAT32, exFAT and network shares have none,
// nor has Wine 8 (ENOTSUP). Said at the first upload, before anything is swapped.
function noJunction(link: string, error: NodeJS.ErrnoException): HttpError {
  const code = error.code ?? error.message;
  const why =
    code === "EPERM" || code === "EACCES"
      ? `the receiver's account may not create it there: give it write access to ${dirname(link)}`
      : `the volume ${parse(resolve(link)).root} does not make them (FAT32, exFAT or a network share: junctions need NTFS or ReFS); put the app's dir: on an NTFS volume, or deploy the app as one file (exeFile:)`;
  return new HttpError(
    500,
    "ERR_NO_JUNCTION",
    `cannot make the directory junction ${link} (${code}), which a folder app's current and staged are on Windows: ${why}`,
    { cause: error },
  );
}

// Removes a link itself (a symlink, or a Windows junction) and never what it points at,
// as unlink does on both; nothing there is fine. A real folder in its place is an error.
export async function removeLink(
  link: string,
  fs: Pick<typeof fsp, "unlink"> = fsp,
): Promise<void> {
  try {
    await fs.unlink(link);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

// Moves the link `from` to `link`, in place of the link there: a folder app's `staged`,
// which no server runs from, or `current` when recovery puts the aside link back (it is
// missing or not whole then). On POSIX one rename over it. Windows renames nothing over
// a junction, so there the old link goes first, with retries as every Windows rename;
// a crash between the two leaves no `staged`, which only means nothing is staged (the
// release folder stays, and the same artifact uploaded again finds it).
export async function moveLink(
  from: string,
  link: string,
  options: ReplaceOptions = {},
): Promise<void> {
  const fs = options.fs ?? fsp;
  if ((options.platform ?? process.platform) !== "win32") await fs.rename(from, link);
  else {
    await retryBusy(() => removeLink(link, fs), options.retryDelayMs);
    await retryBusy(() => fs.rename(from, link), options.retryDelayMs);
  }
  await fsyncDir(dirname(link));
}

// Copies a kept release to `to`, flushed and checked against the digest it was
// kept with: a release damaged on disk must not go live as if it were whole.
export async function copyRelease(
  releases: Releases,
  release: ReleaseInfo,
  to: string,
): Promise<void> {
  const sha256 = await copyDurable(releases.fileOf(release), to);
  if (sha256 !== release.sha256) {
    throw new Error(
      `release ${release.id} is damaged: its file's SHA-256 is ${sha256}, it was kept as ${release.sha256}`,
    );
  }
}

// A rename only works within one file system. When updateFile lives on another
// one than exeFile, copy it beside exeFile first, before the hold, so the swap
// inside the hold is still a single atomic rename.
export async function besideExe(incoming: Incoming, exeFile: string): Promise<Incoming> {
  // A folder app's incoming is a link beside exeFile (current): lstat, not its target.
  const [from, to] = await Promise.all([lstat(incoming.path), stat(dirname(exeFile))]);
  if (from.dev === to.dev) return incoming;
  const path = incomingPath(exeFile);
  const sha256 = await copyDurable(incoming.path, path);
  if (sha256 !== incoming.info.sha256)
    throw new Error(`${incoming.path} changed while it was copied beside exeFile`);
  return { ...incoming, path };
}

// Windows locks a running exe, so exeFile cannot take the new file while the old
// servers run it. Strategy overlap runs the new servers from a copy under data/
// instead until the old ones have stopped: a folder of its own (a copy that runs
// is locked too), the file keeping its name so Windows still sees an .exe.
export async function copyToRun(incoming: Incoming, runDir: string, exeFile: string) {
  const folder = `${incoming.info.sha256.slice(0, 12)}-${randomBytes(3).toString("hex")}`;
  const path = join(runDir, folder, basename(exeFile));
  await mkdir(dirname(path), { recursive: true });
  if ((await copyDurable(incoming.path, path)) !== incoming.info.sha256)
    throw new Error(`${incoming.path} changed while it was copied to ${path}`);
  return path;
}

// Run copies nobody runs any more: all but the folder of `inUse` (the exe the
// serving pool runs). Only a missing runDir means there are none; a runDir that
// cannot be read, or a copy that cannot be removed, is reported through `warn`
// (a copy Windows still holds for a moment is tried again next time). Never
// throws: the swap or start it follows has already done its work.
export async function pruneRunCopies(
  runDir: string,
  inUse: string | undefined,
  warn: (message: string) => void,
): Promise<void> {
  let names: string[];
  try {
    names = await readdir(runDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    warn(`cannot read ${runDir} to remove old run copies: ${(error as Error).message}`);
    return;
  }
  for (const name of names) {
    const folder = join(runDir, name);
    if (inUse !== undefined && dirname(inUse) === folder) continue;
    try {
      await rm(folder, { recursive: true, force: true, maxRetries: 3 });
    } catch (error) {
      warn(
        `could not remove the run copy ${folder} (tried again next time): ${(error as Error).message}`,
      );
    }
  }
}
