export type ArchiveKind = "tar.gz" | "zip";

const GZIP = Buffer.from([0x1f, 0x8b]);
const ZIP_ENTRY = Buffer.from("PK\x03\x04", "latin1");
const ZIP_EMPTY = Buffer.from("PK\x05\x06", "latin1");

// An artifact is known by its bytes, never by its name: a `.zip` that is really a
// tarball, or an upload named anything, is unpacked by what it is (DESIGN.md,
// folder apps). Anything else is refused before a folder is made for it.
export function archiveKind(firstBytes: Buffer): ArchiveKind | undefined {
  const starts = (magic: Buffer) =>
    firstBytes.length >= magic.length && firstBytes.subarray(0, magic.length).equals(magic);
  if (starts(GZIP)) return "tar.gz";
  if (starts(ZIP_ENTRY) || starts(ZIP_EMPTY)) return "zip";
  return undefined;
}
