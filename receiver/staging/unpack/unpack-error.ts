/** Every way an unpack is refused; callers switch on these, never on messages. */
export const UNPACK_ERROR_CODES = [
  /** Neither a gzip (tar.gz) nor a zip by its first bytes. */
  "ERR_ARCHIVE_UNKNOWN",
  /** An entry name that is empty, absolute, has a drive letter, NUL or `..`. */
  "ERR_ARCHIVE_ENTRY_PATH",
  /** A symlink or hard link that leaves the release, or a write through a symlink. */
  "ERR_ARCHIVE_LINK",
  /** A device, FIFO, socket, encrypted or other entry that is not a file, folder or link. */
  "ERR_ARCHIVE_ENTRY_TYPE",
  /** The same path twice (never resolved by following what the first one made). */
  "ERR_ARCHIVE_DUPLICATE",
  /** More bytes unpacked than maxUnpackedBytes. */
  "ERR_ARCHIVE_TOO_LARGE",
  /** More entries than maxFiles. */
  "ERR_ARCHIVE_TOO_MANY_FILES",
  /** Truncated, bad checksums, a zip whose directory disagrees with its entries. */
  "ERR_ARCHIVE_CORRUPT",
  /** The release folder exists already (it is never reused, nor removed). */
  "ERR_ARCHIVE_TARGET_EXISTS",
  /** The disk refused a write (ENOSPC, EACCES, EIO): the archive may be fine. */
  "ERR_ARCHIVE_WRITE",
] as const;
export type UnpackErrorCode = (typeof UNPACK_ERROR_CODES)[number];

// A refused artifact: one stable code to switch on, the entry it is about (as
// the archive spelled it) and a message that names the entry and the fix. The
// release folder is gone by the time a caller sees it.
export class UnpackError extends Error {
  constructor(
    readonly code: UnpackErrorCode,
    message: string,
    readonly entry?: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "UnpackError";
  }
}

/** An entry name as a message shows it: quoted, escaped, and cut to 200 characters. */
export function shown(name: string): string {
  return JSON.stringify(name.length > 200 ? `${name.slice(0, 200)}…` : name);
}
