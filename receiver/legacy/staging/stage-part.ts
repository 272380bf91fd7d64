import { createHash, randomBytes } from "node:crypto";
import { chmod, open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { HttpError } from "../../http-error.js";
import { fsyncDir } from "../../staging/fsync-dir.js";
import { STAGING_TMP } from "../../staging/stage-upload.js";

export interface StagePartOptions {
  updateFile: string;
  /** The app's maxUploadSize. */
  maxSize: number;
}

// stageUpload's guarantees for a file whose size is known only at its end (a
// form's part): the bytes stream through SHA-256 into a temp file beside
// updateFile (named so a crash's debris is removed at the next start), are
// flushed, and are renamed onto updateFile only when the part ended whole.
// One chunk at a time, with backpressure; on any failure updateFile is as it was.
export async function stagePart(
  chunks: AsyncIterable<Buffer>,
  { updateFile, maxSize }: StagePartOptions,
): Promise<{ size: number; sha256: string }> {
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
      if (size > maxSize) {
        throw new HttpError(
          413,
          "ERR_TOO_LARGE",
          `the File field is larger than this app's maxUploadSize (${maxSize} bytes)`,
        );
      }
      hash.update(chunk);
      await file.write(chunk);
    }
    if (size === 0) {
      throw new HttpError(
        400,
        "ERR_EMPTY_FILE",
        "the File field is empty: choose the exe to upload",
      );
    }
    await file.sync();
    await file.close();
    await chmod(tmp, 0o755);
    await rename(tmp, updateFile);
    await fsyncDir(dirname(updateFile));
    return { size, sha256: hash.digest("hex") };
  } catch (error) {
    await file.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw asHttpError(error, size);
  }
}

function asHttpError(error: unknown, size: number): HttpError {
  if (error instanceof HttpError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOSPC" || code === "EDQUOT") {
    return new HttpError(
      507,
      "ERR_DISK_FULL",
      `the disk holding updateFile is full after ${size} bytes; free space and upload again`,
    );
  }
  return new HttpError(500, "ERR_STAGING", `staging failed: ${(error as Error).message}`);
}
