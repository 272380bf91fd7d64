import { UnpackError, shown } from "./unpack-error.js";

// The ReleaseTree's refusals in one table, one message per case, each naming the
// entry and what to do about it (the artifact's author reads these in the action log).
export const refusal = {
  tooManyFiles: (name: string, maxFiles: number) =>
    new UnpackError(
      "ERR_ARCHIVE_TOO_MANY_FILES",
      `entry ${shown(name)} is past maxFiles (${maxFiles} entries); ship fewer files ` +
        "(bundle them) or raise maxFiles for this app",
      name,
    ),
  tooLarge: (name: string, maxBytes: number) =>
    new UnpackError(
      "ERR_ARCHIVE_TOO_LARGE",
      `entry ${shown(name)} takes the release past maxUnpackedSize (${maxBytes} bytes); ` +
        "ship less, or raise maxUnpackedSize",
      name,
    ),
  throughLink: (name: string, link: string) =>
    new UnpackError(
      "ERR_ARCHIVE_LINK",
      `entry ${shown(name)} would be written through the symlink ${shown(link)}; ` +
        "pack the real folder's path instead",
      name,
    ),
  hardLink: (name: string, target: string) =>
    new UnpackError(
      "ERR_ARCHIVE_LINK",
      `hard link ${shown(name)} -> ${shown(target)} is not to an earlier file of the ` +
        "archive; pack the file itself, or a relative symlink to it",
      name,
    ),
  duplicate: (name: string, why: string, cause?: unknown) =>
    new UnpackError(
      "ERR_ARCHIVE_DUPLICATE",
      `entry ${shown(name)} ${why} (names that differ only in case collide on Windows ` +
        "and macOS); pack each path once",
      name,
      { cause },
    ),
  // What the disk said, mapped: EEXIST is a collision the map of made paths could
  // not see (case folding), ELOOP a link where O_NOFOLLOW found one.
  write: (name: string, error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return refusal.duplicate(name, "collides with an earlier entry", error);
    if (code === "ELOOP") return refusal.duplicate(name, "is a symlink already", error);
    return new UnpackError(
      "ERR_ARCHIVE_WRITE",
      `could not write entry ${shown(name)}: ${(error as Error).message}; check the ` +
        "disk's free space and the release folder's permissions",
      name,
      { cause: error },
    );
  },
};
