import { posix } from "node:path";
import { UnpackError, shown } from "./unpack-error.js";

const refuse = (at: string, target: string, why: string) =>
  new UnpackError(
    "ERR_ARCHIVE_LINK",
    `symlink ${shown(at)} -> ${shown(target)} ${why}; a release may link only to ` +
      `files inside itself, by a relative path such as ../lib/libapp.so`,
    at,
  );

// A symlink is kept only if it cannot lead outside the release, whatever comes
// later in the archive. Its target must be relative and read `../` first, names
// after: then the climbs start from a real folder (the link's own, which this
// unpacker made), and each name either is a real folder or a link that passed
// this same check. `x/..` is refused because `x` may be (or become) a link, where
// `..` climbs from wherever it points. `at` is the link's entryPath.
export function linkTarget(at: string, target: string): string {
  if (target.length === 0) throw refuse(at, target, "has an empty target");
  if (target.includes("\0")) throw refuse(at, target, "has a NUL byte in its target");
  if (/^[/\\]/.test(target) || /^[A-Za-z]:/.test(target)) {
    throw refuse(at, target, "is absolute");
  }
  const segments = target.split(/[/\\]/).filter((s) => s !== "" && s !== ".");
  const climbs = segments.findIndex((s) => s !== "..");
  const ups = climbs === -1 ? segments.length : climbs;
  if (segments.slice(ups).includes("..")) {
    throw refuse(at, target, 'has ".." after a name (write it without the detour)');
  }
  const depth = posix.dirname(at) === "." ? 0 : posix.dirname(at).split("/").length;
  if (ups > depth) throw refuse(at, target, "points outside the release");
  return segments.length === 0 ? "." : segments.join("/");
}
