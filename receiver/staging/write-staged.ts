import { createHash, randomBytes } from "node:crypto";
import { chmod, open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { HttpError } from "../http-error.js";
import { fsyncDir } from "./fsync-dir.js";

/** Prefix of the temp files beside updateFile; anything with it is debris of an upload. */
export const STAGING_TMP = ".hotswap-upload-";

export interface StagingChecks {
  /** After each chunk, with the bytes so far: throw to refuse (the file is not staged). */
  onChunk?(size: number): void;
  /** Before the file goes in place, with its size and digest: throw to refuse. */
  beforeCommit?(size: number, sha256: string): void;
  /** The words for "after N bytes" in a disk-full message, e.g. "N of M bytes". */
  describe?(size: number): string;
}

// Both upload paths (the API's body, the seed's multipart field) stage the same
// way: the bytes stream through SHA-256 into a temp file beside updateFile, are
// flushed, and are renamed onto updateFile only when every check passes. One
// chunk at a time, with backpressure; on any failure the temp file is removed
// and updateFile is as it was.
export async function writeStaged(
  chunks: AsyncIterable<Buffer>,
  updateFile: string,
  checks: StagingChecks = {},
) {
  const tmp = join(
    dirname(updateFile),
    `${STAGING_TMP}${basename(updateFile)}-${randomBytes(6).toString("hex")}`,
  );
  const file = await open(tmp, "wx", 0o755).catch((error: NodeJS.ErrnoException) => {
    throw new HttpError(500, "ERR_STAGING", `cannot create ${tmp}: ${error.code ?? error.message}`);
  });
  let size = 0;
  try {
    const hash = createHash("sha256");
    for await (const chunk of chunks) {
      size += chunk.length;
      checks.onChunk?.(size);
      hash.update(chunk);
      await file.write(chunk);
    }
    const sha256 = hash.digest("hex");
    checks.beforeCommit?.(size, sha256);
    await file.sync();
    await file.close();
    await chmod(tmp, 0o755);
    await rename(tmp, updateFile);
    await fsyncDir(dirname(updateFile));
    return { size, sha256 };
  } catch (error) {
    await file.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOSPC" || code === "EDQUOT") {
      const when = checks.describe?.(size) ?? `${size} bytes`;
      throw new HttpError(
        507,
        "ERR_DISK_FULL",
        `the disk holding updateFile is full after ${when}; free space and upload again`,
      );
    }
    throw error;
  }
}
