import { createHash, randomBytes } from "node:crypto";
import { chmod, open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { HttpError } from "../http-error.js";
import { fsyncDir } from "./fsync-dir.js";

export interface StageOptions {
  updateFile: string;
  /** Content-Length of the request. */
  length: number;
  /** The X-Hotswap-Sha256 header, already matched against the token; absent: any digest (admin page). */
  sha256?: string;
  idleTimeoutMs: number;
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
    for await (const chunk of idleTimeout(body, options.idleTimeoutMs)) {
      received += chunk.length;
      if (received > length)
        throw new HttpError(
          400,
          "ERR_SIZE_MISMATCH",
          `body is longer than its Content-Length (${length})`,
        );
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

// A client that stops sending must not hold the app's lock for ever.
async function* idleTimeout(body: Readable, ms: number): AsyncGenerator<Buffer> {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () => body.destroy(new HttpError(408, "ERR_UPLOAD_TIMEOUT", `no upload data for ${ms} ms`)),
      ms,
    );
  };
  arm();
  try {
    for await (const chunk of body) {
      arm();
      yield chunk as Buffer;
    }
  } finally {
    clearTimeout(timer);
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
