import { randomBytes } from "node:crypto";
import { lstat, mkdir, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { AppConfig, FolderApp } from "../config/resolve-app.js";
import { HttpError } from "../http-error.js";
import type { ReleaseInfo, VersionInfo } from "../protocol.js";
import { linkRelease, moveLink, removeLink, type ReplaceOptions } from "../swap/exe-file.js";
import { NEVER_LIVE, releaseId, versionOfRelease, type Releases } from "../swap/releases.js";
import { versionInfo } from "../version/version-info.js";
import { fsyncDir } from "./fsync-dir.js";
import { unpackArchive } from "./unpack/unpack-archive.js";
import { UnpackError } from "./unpack/unpack-error.js";

/** Where a folder app's upload is written before it is unpacked. */
export const folderUploadPath = (folder: FolderApp) => join(folder.dir, ".hotswap-upload");

/** One upload of a folder app's archive, as stageRelease takes it. */
export interface Staging {
  app: AppConfig & { folder: FolderApp };
  releases: Releases;
  /** The uploaded archive, its digest checked. */
  upload: string;
  artifact: { sha256: string; size: number };
  progress: (message: string) => void;
  /** The platform's way with links (a junction on Windows); tests and faults pass win32. */
  replace?: ReplaceOptions;
}

// A folder app's UpdateFile step (docs/design.md "Folder apps"): the uploaded archive,
// its digest checked, is unpacked into releases/<id>/ (a fresh folder, renamed into
// place once whole, so a release folder is never half-unpacked), its meta written
// beside it, and `staged` pointed at it. The same artifact as a release already on
// disk is not unpacked again. A refused archive leaves nothing: no folder, no meta,
// `staged` and `current` as they were. The upload file is removed either way.
export async function stageRelease(staging: Staging): Promise<VersionInfo> {
  const { app, releases, upload, artifact, progress, replace } = staging;
  const tmpLink = `${app.updateFile}.tmp`;
  try {
    let release = (await releases.all()).find((r) => r.sha256 === artifact.sha256);
    // Its folder must still be there (a person may have removed it): else unpack anew.
    if (release && !(await isDir(releases.fileOf(release)))) release = undefined;
    const fresh = !release;
    if (release) progress(`release ${release.id} holds this artifact already: not unpacked again`);
    else release = await unpack(staging);
    await removeLink(tmpLink); // a crash's leftover
    try {
      await linkRelease(releases.fileOf(release), tmpLink, replace?.platform);
    } catch (error) {
      // No link, no release: a volume that makes no junctions keeps no unpacked folder.
      if (fresh) await removeRelease(releases, release);
      throw error;
    }
    await moveLink(tmpLink, app.updateFile, replace);
    return versionOfRelease(release);
  } finally {
    await rm(upload, { force: true });
    await removeLink(tmpLink);
  }
}

async function removeRelease(releases: Releases, release: ReleaseInfo): Promise<void> {
  const folder = releases.fileOf(release);
  await rm(`${folder}.json`, { force: true });
  await rm(folder, { recursive: true, force: true });
}

async function unpack(staging: Staging): Promise<ReleaseInfo> {
  const { app, releases, upload, artifact, progress } = staging;
  const { folder } = app;
  await mkdir(folder.releases, { recursive: true });
  const tmp = join(folder.releases, `.tmp-${randomBytes(4).toString("hex")}`);
  const limits = { maxUnpackedBytes: folder.maxUnpackedBytes, maxFiles: folder.maxFiles };
  const unpacked = await unpackArchive(upload, tmp, limits).catch((error: unknown) => {
    if (error instanceof UnpackError && error.code !== "ERR_ARCHIVE_WRITE")
      throw new HttpError(422, error.code, `the artifact was refused: ${error.message}`);
    throw error;
  });
  const at = new Date();
  const id = releaseId(at, artifact.sha256);
  const final = join(folder.releases, id);
  try {
    const exe = join(tmp, folder.exe);
    if (!(await isFile(exe))) {
      const top = (await readdir(tmp)).slice(0, 10).join(", ") || "nothing";
      throw new HttpError(
        422,
        "ERR_EXE_MISSING",
        `the artifact has no file ${folder.exe} (apps.${app.name}.exe); at its top: ${top}. Archive the folder's contents (tar czf app.tar.gz -C dist .), not the folder itself`,
      );
    }
    // Read from the unpacked folder itself: what the version echo says of this build.
    const exeVersion = await versionInfo(exe, app.versionCommand, (why) =>
      progress(`${folder.exe} gives no version to echo: ${why}`),
    );
    await fsyncTree(tmp);
    await rename(tmp, final);
    const release: ReleaseInfo = {
      id,
      keptAt: NEVER_LIVE,
      sha256: artifact.sha256,
      size: artifact.size,
      mtime: at.toISOString(),
      ...pick(exeVersion),
    };
    await releases.add(release);
    progress(
      `${unpacked.kind} unpacked into releases/${id}: ${unpacked.files} entries, ${unpacked.bytes} bytes`,
    );
    return release;
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    await rm(final, { recursive: true, force: true });
    throw error;
  }
}

// Every folder of a fresh release flushed (its files were, as they were written), so
// the rename and the meta that make it a release come after what they describe.
async function fsyncTree(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true }))
    if (entry.isDirectory()) await fsyncTree(join(dir, entry.name));
  await fsyncDir(dir);
}

// What a release says of its program: the version line and the exe's version resource.
function pick(v: VersionInfo | null): Partial<VersionInfo> {
  if (!v) return {};
  const { version, fileVersion, productVersion, productName } = v;
  return Object.fromEntries(
    Object.entries({ version, fileVersion, productVersion, productName }).filter(
      ([, value]) => value !== undefined,
    ),
  );
}

const isDir = (p: string) =>
  lstat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );

const isFile = (p: string) =>
  lstat(p).then(
    (s) => s.isFile(),
    () => false,
  );
