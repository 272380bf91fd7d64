import { copyFile } from "node:fs/promises";
import type { ReleaseInfo } from "../protocol.js";
import type { Releases } from "./releases.js";
import { replaceExe, type ReplaceOptions } from "./replace-exe.js";

/** Where a release is copied before it replaces exeFile: beside it, so the rename is atomic. */
export const restorePath = (exeFile: string) => `${exeFile}.hotswap-restore`;

// Puts a kept release back into exeFile by copy-then-rename, so exeFile is never
// half-written and the release stays kept for a later roll forward or back.
export async function restoreRelease(
  releases: Releases,
  release: ReleaseInfo,
  exeFile: string,
  replace?: ReplaceOptions,
) {
  const tmp = restorePath(exeFile);
  await copyFile(releases.fileOf(release), tmp);
  await replaceExe(tmp, exeFile, replace);
}
