import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

/** The file to upload, as the token and the X-Hotswap-Sha256 header describe it. */
export interface Artifact {
  path: string;
  size: number;
  /** Lowercase hex. */
  sha256: string;
}

// The token binds the artifact by its digest, so the digest must be known before the
// upload starts; reading in chunks keeps memory flat for a multi-gigabyte executable.
export async function hashFile(path: string, signal?: AbortSignal): Promise<Artifact> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(path, { signal })) {
    const bytes = chunk as Buffer;
    hash.update(bytes);
    size += bytes.length;
  }
  return { path, size, sha256: hash.digest("hex") };
}
