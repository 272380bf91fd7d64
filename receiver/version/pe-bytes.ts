import type { FileHandle } from "node:fs/promises";

/** Why a PE file gives no version: said in the swap's stream, never thrown past readPeVersion. */
export class NoVersion extends Error {}

// Every read of a PE goes through here: an offset or length that the file's own
// headers gave is checked against the file's real size before anything is read,
// so a hostile or truncated file ends in NoVersion, never in a read past the end.
export class PeBytes {
  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  async read(offset: number, length: number, what: string): Promise<Buffer> {
    if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > this.size)
      throw new NoVersion(
        `${what} (${length} bytes at offset ${offset}) lies outside the file (${this.size} bytes)`,
      );
    const bytes = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(bytes, done, length - done, offset + done);
      if (bytesRead === 0) throw new NoVersion(`the file ended while reading ${what}`);
      done += bytesRead;
    }
    return bytes;
  }
}
