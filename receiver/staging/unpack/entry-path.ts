import { UnpackError, shown } from "./unpack-error.js";

const refuse = (name: string, why: string) =>
  new UnpackError(
    "ERR_ARCHIVE_ENTRY_PATH",
    `entry ${shown(name)} ${why}; build the artifact from inside the release folder ` +
      `(tar -czf app.tgz -C build . or cd build && zip -r ../app.zip .)`,
    name,
  );

// The one reading of an entry name that every later check and every write uses:
// both slashes separate (Windows takes `a\..\..\x` as climbing twice, so it is
// refused everywhere), `.` and empty segments go, and whatever could land outside
// the release is refused here, before anything is written. The answer is
// relative, `/`-separated, and "" for the release folder itself (`./`).
export function entryPath(name: string): string {
  if (name.length === 0) throw refuse(name, "has an empty name");
  if (name.includes("\0")) throw refuse(name, "has a NUL byte in its name");
  if (/^[/\\]/.test(name)) throw refuse(name, "is an absolute path");
  if (/^[A-Za-z]:/.test(name)) throw refuse(name, "starts with a drive letter");
  const segments = name.split(/[/\\]/).filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) throw refuse(name, 'climbs out of the release with ".."');
  // A colon inside a name is an alternate data stream on Windows: another file.
  if (process.platform === "win32" && segments.some((s) => s.includes(":"))) {
    throw refuse(name, 'has a ":" in its name, which Windows reads as another stream');
  }
  return segments.join("/");
}
