import type { Readable } from "node:stream";
import { openPromise, type Entry, type ZipFile } from "yauzl";
import type { ReleaseTree } from "./release-tree.js";
import { UnpackError, shown } from "./unpack-error.js";

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const MADE_BY_UNIX = 3;
const MAX_LINK_TARGET = 4096;

// yauzl reads the central directory and inflates; each entry is checked against
// its own local header (the one other unzippers trust), then handed to the
// ReleaseTree. Unix modes count only in entries a unix zip made: there
// `externalFileAttributes >>> 16` is st_mode, which is how zip stores symlinks.
export async function unpackZip(file: string, tree: ReleaseTree): Promise<void> {
  const zip = await openPromise(file, {
    lazyEntries: true,
    autoClose: false,
    validateEntrySizes: true,
    strictFileNames: true,
  });
  try {
    for await (const entry of zip.eachEntry()) {
      await sameAsLocalHeader(zip, entry);
      const name = entry.fileName;
      const unix =
        entry.versionMadeBy >> 8 === MADE_BY_UNIX ? entry.externalFileAttributes >>> 16 : 0;
      const type = unix & S_IFMT;
      if (entry.isEncrypted()) throw unsupported(name, "encrypted");
      if (type === S_IFLNK) await tree.symlink(name, await linkText(zip, entry));
      else if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) {
        throw unsupported(name, `special file (mode 0o${type.toString(8)})`);
      } else if (type === S_IFDIR || name.endsWith("/")) await tree.directory(name);
      else {
        const data = await entryData(zip, entry);
        try {
          await tree.file(name, unix & 0o777, data, entry.uncompressedSize);
        } finally {
          data.destroy();
        }
      }
    }
  } finally {
    zip.close();
  }
}

// A zip whose central directory says one name and whose local header another
// is unpacked differently by different tools: refused, as are other disagreements.
async function sameAsLocalHeader(zip: ZipFile, entry: Entry): Promise<void> {
  const local = await zip.readLocalFileHeaderPromise(entry);
  const differs: string[] = [];
  if (!local.fileName.equals(entry.fileNameRaw))
    differs.push(`name ${shown(local.fileName.toString())}`);
  if (local.compressionMethod !== entry.compressionMethod) differs.push("compression method");
  const sizesInHeader = (local.generalPurposeBitFlag & 0x8) === 0;
  const zip64 = local.compressedSize === 0xffffffff || local.uncompressedSize === 0xffffffff;
  if (sizesInHeader && !zip64) {
    if (local.compressedSize !== entry.compressedSize) differs.push("compressed size");
    if (local.uncompressedSize !== entry.uncompressedSize) differs.push("size");
    if (local.crc32 !== entry.crc32) differs.push("CRC-32");
  }
  if (differs.length > 0) {
    throw new UnpackError(
      "ERR_ARCHIVE_CORRUPT",
      `zip entry ${shown(entry.fileName)}: its local header disagrees with the central ` +
        `directory (${differs.join(", ")}); rebuild the zip with a standard tool`,
      entry.fileName,
    );
  }
}

// A zip symlink's target is its content: read it whole, but never more than a path can be.
async function linkText(zip: ZipFile, entry: Entry): Promise<string> {
  if (entry.uncompressedSize > MAX_LINK_TARGET)
    throw unsupported(entry.fileName, "oversized symlink");
  const chunks: Buffer[] = [];
  const data = await entryData(zip, entry);
  try {
    for await (const chunk of data) chunks.push(chunk as Buffer);
  } finally {
    data.destroy();
  }
  return Buffer.concat(chunks).toString("utf8");
}

// An entry's inflated bytes. yauzl forwards zlib's errors to this stream a tick later
// with a bare emit("error"), which neither marks the stream failed nor waits for a
// listener: one that comes before the reader's loop starts would be uncaught (and end
// the receiver), or, caught, leave the loop waiting for ever; a damaged deflate stream
// can also raise a second one after the loop has stopped listening. So the stream is
// destroyed with the first error (a loop then throws it, whenever it starts), and
// listened to for as long as it lives.
async function entryData(zip: ZipFile, entry: Entry): Promise<Readable> {
  const data = await zip.openReadStreamPromise(entry);
  data.on("error", (error) => data.destroy(error)); // a no-op once destroyed
  return data;
}

function unsupported(name: string, what: string): UnpackError {
  return new UnpackError(
    "ERR_ARCHIVE_ENTRY_TYPE",
    `zip entry ${shown(name)} is ${/^[aeiou]/.test(what) ? "an" : "a"} ${what} entry, which ` +
      "a release may not hold (only files, folders and links); leave it out of the artifact",
    name,
  );
}
