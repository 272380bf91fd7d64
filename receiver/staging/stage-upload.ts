import type { Readable } from "node:stream";
import { HttpError } from "../http-error.js";
import { slowUploadGuard } from "./slow-upload-guard.js";
import { writeStaged } from "./write-staged.js";

export { STAGING_TMP } from "./write-staged.js";

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
}

// The API's upload: exactly Content-Length bytes, at a rate that keeps up, whose
// digest is the one the token vouched for, staged at updateFile (writeStaged).
export async function stageUpload(
  body: Readable,
  options: StageOptions,
): Promise<{ size: number; sha256: string }> {
  const { updateFile, length, sha256 } = options;
  const received = (size: number) => `${size} of ${length} bytes`;
  let size = 0;
  try {
    return await writeStaged(
      slowUploadGuard(body, options.idleTimeoutMs, options.minBytesPerSecond ?? 0),
      updateFile,
      {
        onChunk(n) {
          size = n;
          // node:http never delivers past Content-Length; other streams might.
          if (n > length)
            throw new HttpError(
              400,
              "ERR_SIZE_MISMATCH",
              `body is longer than its Content-Length (${length})`,
            );
        },
        beforeCommit(n, digest) {
          if (n < length)
            throw new HttpError(400, "ERR_UPLOAD_ABORTED", `upload ended after ${received(n)}`);
          if (sha256 !== undefined && digest !== sha256) {
            throw new HttpError(
              400,
              "ERR_DIGEST_MISMATCH",
              `the body's SHA-256 is ${digest}, the X-Hotswap-Sha256 header says ${sha256}`,
            );
          }
        },
        describe: received,
      },
    );
  } catch (error) {
    if (error instanceof HttpError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (
      code === "ECONNRESET" ||
      code === "ERR_STREAM_PREMATURE_CLOSE" ||
      (error as Error).message === "aborted"
    ) {
      throw new HttpError(400, "ERR_UPLOAD_ABORTED", `upload ended after ${received(size)}`);
    }
    throw new HttpError(500, "ERR_STAGING", `staging failed: ${(error as Error).message}`);
  }
}
