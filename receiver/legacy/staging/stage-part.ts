import { HttpError } from "../../http-error.js";
import { writeStaged } from "../../staging/write-staged.js";

export interface StagePartOptions {
  updateFile: string;
  /** The app's maxUploadSize. */
  maxSize: number;
}

// A form's file part, whose size is known only at its end: staged like the API's
// uploads (writeStaged), refused past maxUploadSize or when empty.
export async function stagePart(
  chunks: AsyncIterable<Buffer>,
  { updateFile, maxSize }: StagePartOptions,
): Promise<{ size: number; sha256: string }> {
  try {
    return await writeStaged(chunks, updateFile, {
      onChunk(size) {
        if (size > maxSize) {
          throw new HttpError(
            413,
            "ERR_TOO_LARGE",
            `the File field is larger than this app's maxUploadSize (${maxSize} bytes)`,
          );
        }
      },
      beforeCommit(size) {
        if (size === 0)
          throw new HttpError(
            400,
            "ERR_EMPTY_FILE",
            "the File field is empty: choose the exe to upload",
          );
      },
    });
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new HttpError(500, "ERR_STAGING", `staging failed: ${(error as Error).message}`);
  }
}
