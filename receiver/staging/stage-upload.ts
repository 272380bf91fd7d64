import { createHash, randomBytes } from "node:crypto";
import { chmod, open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { HttpError } from "../http-error.js";
import { fsyncDir } from "./fsync-dir.js";
import { slowUploadGuard } from "./slow-upload-guard.js";

export interface StageOptions {
  updateFile: string;
  /** Content-Length of the request. */
  length: number;
  /** The X-Hotswap-Sha256 header, already matched against the token; absent: any digest (admin page). */
  sha256?: string;
  /** A window in which the upload must make progress. */
  idleTimeoutMs: number;
  /** Bytes per second it must average over each window (a slow drip holds the lock too); default 0. */
  minBytesPerSecond?: number;
  onProgress?: (received: number) => void;
}

/** Prefix of the temp files beside updateFile; anything with it is debris of an upload. */
export const STAGING_TMP = ".hotswap-upload-";

// Streams the request body through SHA-256 into a temp file beside updateFile,
// flushes it, and renames it onto updateFile only when every byte checks out.
// Memory stays flat (one chunk at a time, with backpressure); on any failure the
// temp file is removed and updateFile is as it was.
export async function stageUpload(
  body: Readable,
  options: StageOptions,
): Promise<{ size: number; sha256: string }> {
  const { updateFile, length, sha256 } = options;
  const tmp = join(
    dirname(updateFile),
    `${STAGING_TMP}${basename(updateFile)}-${randomBytes(6).toString("hex")}`,
  );
  const file = await open(tmp, "wx", 0o755).catch((error: NodeJS.ErrnoException) => {
    throw new HttpError(500, "ERR_STAGING", `cannot create ${tmp}: ${error.code ?? error.message}`);
  });
  let received = 0;
  try {
    const hash = createHash("sha256");
    for await (const chunk of slowUploadGuard(
      body,
      options.idleTimeoutMs,
      options.minBytesPerSecond ?? 0,
    )) {
      received += chunk.length;
      // node:http never delivers past Content-Length; other streams might.
      if (received > length) {
        throw new HttpError(
          400,
          "ERR_SIZE_MISMATCH",
          `body is longer than its Content-Length (${length})`,
        );
      }
      hash.update(chunk);
      await file.write(chunk);
      options.onProgress?.(received);
    }
    if (received < length) {
      throw new HttpError(
        400,
        "ERR_UPLOAD_ABORTED",
        `upload ended after ${received} of ${length} bytes`,
      );
    }
    const digest = hash.digest("hex");
    if (sha256 !== undefined && digest !== sha256) {
      throw new HttpError(
        400,
        "ERR_DIGEST_MISMATCH",
        `the body's SHA-256 is ${digest}, the X-Hotswap-Sha256 header says ${sha256}`,
      );
    }
    await file.sync();
    await file.close();
    await chmod(tmp, 0o755);
    await rename(tmp, updateFile);
    await fsyncDir(dirname(updateFile));
    return { size: received, sha256: digest };
  } catch (error) {
    await file.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw asHttpError(error, received, length);
  }
}

function asHttpError(error: unknown, received: number, length: number): HttpError {
  if (error instanceof HttpError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOSPC" || code === "EDQUOT") {
    return new HttpError(
      507,
      "ERR_DISK_FULL",
      `the disk holding updateFile is full after ${received} of ${length} bytes; free space and deploy again`,
    );
  }
  if (
    code === "ECONNRESET" ||
    code === "ERR_STREAM_PREMATURE_CLOSE" ||
    (error as Error).message === "aborted"
  ) {
    return new HttpError(
      400,
      "ERR_UPLOAD_ABORTED",
      `upload ended after ${received} of ${length} bytes`,
    );
  }
  return new HttpError(500, "ERR_STAGING", `staging failed: ${(error as Error).message}`);
}
