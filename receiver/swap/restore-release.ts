import type { ReleaseInfo } from "../protocol.js";
import { copyDurable } from "../staging/copy-durable.js";
import type { Releases } from "./releases.js";
import { replaceExe, type ReplaceOptions } from "./replace-exe.js";

/** Where a release is copied before it replaces exeFile: beside it, so the rename is atomic. */
export const restorePath = (exeFile: string) => `${exeFile}.hotswap-restore`;

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

// Puts a kept release back into exeFile by copy-then-rename, so exeFile is never
// half-written and the release stays kept for a later roll forward or back.
export async function restoreRelease(
  releases: Releases,
  release: ReleaseInfo,
  exeFile: string,
  replace?: ReplaceOptions,
) {
  await copyRelease(releases, release, restorePath(exeFile));
  await replaceExe(restorePath(exeFile), exeFile, replace);
}
