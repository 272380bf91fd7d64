import { chmod, mkdir, open, rm } from "node:fs/promises";
import { archiveKind, type ArchiveKind } from "./archive-kind.js";
import { ReleaseTree, type UnpackLimits, type UnpackProgress } from "./release-tree.js";
import { unpackTar } from "./unpack-tar.js";
import { unpackZip } from "./unpack-zip.js";
import { UnpackError } from "./unpack-error.js";

export interface Unpacked {
  kind: ArchiveKind;
  /** Entries made: files, folders and links. */
  files: number;
  /** File bytes written, as streamed (not as the archive claimed). */
  bytes: number;
}

// A folder app's artifact becomes releases/<id>/ (DESIGN.md, folder apps): the
// whole release, or nothing. `into` must not exist; it is made here and, on any
// refusal or error, removed again before the UnpackError is thrown, so a caller
// never finds half a release. Nothing is written outside it (ReleaseTree says how).
export async function unpackArchive(
  file: string,
  into: string,
  limits: UnpackLimits,
  onProgress?: UnpackProgress,
): Promise<Unpacked> {
  const kind = archiveKind(await firstBytes(file).catch((e: unknown) => fail(e, "read")));
  if (kind === undefined) {
    throw new UnpackError(
      "ERR_ARCHIVE_UNKNOWN",
      "the artifact is neither a .tar.gz nor a .zip (judged by its first bytes, not its " +
        "name); upload a gzip-compressed tar or a zip of the release folder",
    );
  }
  await makeRelease(into);
  try {
    const tree = new ReleaseTree(into, limits, onProgress);
    await (kind === "zip" ? unpackZip(file, tree) : unpackTar(file, tree));
    return { kind, files: tree.files, bytes: tree.bytes };
  } catch (error) {
    const refused = asUnpackError(kind, error);
    await rm(into, { recursive: true, force: true, maxRetries: 5 }).catch((cleanup: unknown) => {
      throw new UnpackError(
        "ERR_ARCHIVE_WRITE",
        `${refused.message}; and the half-made release folder ${JSON.stringify(into)} could ` +
          `not be removed (${(cleanup as Error).message}): remove it by hand`,
        refused.entry,
        { cause: refused },
      );
    });
    throw refused;
  }
}

async function firstBytes(file: string): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

// Made without `recursive`, so a folder that is there already is never adopted
// (nor, after a refusal, removed: it is not this unpack's to remove).
async function makeRelease(into: string): Promise<void> {
  try {
    await mkdir(into, { mode: 0o755 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") fail(error, "make");
    throw new UnpackError(
      "ERR_ARCHIVE_TARGET_EXISTS",
      `the release folder ${JSON.stringify(into)} exists already; unpack into a new one`,
      undefined,
      { cause: error },
    );
  }
  await chmod(into, 0o755);
}

// The artifact cannot be read, or the release folder cannot be made: no archive's fault.
function fail(error: unknown, what: "read" | "make"): never {
  const message = error instanceof Error ? error.message : String(error);
  throw what === "read"
    ? new UnpackError("ERR_ARCHIVE_CORRUPT", `cannot read the artifact (${message})`, undefined, {
        cause: error,
      })
    : new UnpackError(
        "ERR_ARCHIVE_WRITE",
        `cannot make the release folder (${message}); check that its parent exists and is writable`,
        undefined,
        { cause: error },
      );
}

// What the libraries throw (yauzl's name checks, a truncated deflate stream) is
// mapped to the one code a caller switches on.
function asUnpackError(kind: ArchiveKind, error: unknown): UnpackError {
  if (error instanceof UnpackError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/^(invalid characters in fileName|absolute path|invalid relative path)/.test(message)) {
    return new UnpackError(
      "ERR_ARCHIVE_ENTRY_PATH",
      `zip entry refused: ${message}; build the zip from inside the release folder ` +
        "(cd build && zip -r ../app.zip .)",
      undefined,
      { cause: error },
    );
  }
  return new UnpackError(
    "ERR_ARCHIVE_CORRUPT",
    `the ${kind} is damaged or truncated (${message}); upload it again, or check it ` +
      `with ${kind === "zip" ? "unzip -t" : "tar -tzf"}`,
    undefined,
    { cause: error },
  );
}
