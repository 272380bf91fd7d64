import { open } from "node:fs/promises";
import { NtExecutable, NtExecutableResource, Resource } from "./resedit.js";

/** What a Windows exe says about itself in its version resource (VS_VERSIONINFO). */
export interface PeVersion {
  fileVersion?: string;
  productVersion?: string;
  productName?: string;
}

// resedit parses a PE from one in-memory buffer, so a PE file costs its size in
// memory while it is read (once per file version: versionInfo caches the answer).
// Server exes are a few MiB to a few hundred; past this the version is not worth
// the memory, and the echo goes without it.
export const PE_READ_LIMIT = 512 * 1024 * 1024;

// The seed echoed the exe's version after a swap; on Windows that version lives
// in the exe itself. Anything that is not a readable PE with a version resource
// (an ELF, a script, a truncated upload) is "no version", never an error.
export async function readPeVersion(file: string): Promise<PeVersion | undefined> {
  try {
    const image = await readPeImage(file);
    return image && versionOf(image);
  } catch {
    return undefined;
  }
}

// Two bytes decide: only a file that starts with "MZ" is read whole.
async function readPeImage(file: string): Promise<Buffer | undefined> {
  const handle = await open(file, "r");
  try {
    const magic = Buffer.alloc(2);
    await handle.read(magic, 0, 2, 0);
    if (magic.toString("latin1") !== "MZ") return undefined;
    const { size } = await handle.stat();
    if (size > PE_READ_LIMIT) return undefined;
    const image = Buffer.alloc(size);
    let read = 0;
    while (read < size) {
      const { bytesRead } = await handle.read(image, read, size - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return image.subarray(0, read);
  } finally {
    await handle.close();
  }
}

function versionOf(image: Buffer): PeVersion | undefined {
  forgetSymbolTable(image);
  const exe = NtExecutable.from(image, { ignoreCert: true });
  const [info] = Resource.VersionInfo.fromEntries(NtExecutableResource.from(exe, true).entries);
  if (!info) return undefined;
  const [language] = info.getAllLanguagesForStringValues();
  const strings = language ? info.getStringValues(language) : {};
  const fixed = info.fixedInfo;
  const version: PeVersion = {};
  const fileVersion =
    text(strings.FileVersion) ?? numbers(fixed.fileVersionMS, fixed.fileVersionLS);
  const productVersion =
    text(strings.ProductVersion) ?? numbers(fixed.productVersionMS, fixed.productVersionLS);
  const productName = text(strings.ProductName);
  if (fileVersion) version.fileVersion = fileVersion;
  if (productVersion) version.productVersion = productVersion;
  if (productName) version.productName = productName;
  return Object.keys(version).length > 0 ? version : undefined;
}

// pe-library refuses an image whose COFF header counts symbols, which every
// unstripped MinGW or Go exe has. Only the resources are read here, so the
// count is cleared in this copy of the bytes.
function forgetSymbolTable(image: Buffer): void {
  const peHeader = image.readUInt32LE(0x3c);
  if (peHeader + 24 > image.length) return;
  image.writeUInt32LE(0, peHeader + 12); // PointerToSymbolTable
  image.writeUInt32LE(0, peHeader + 16); // NumberOfSymbols
}

function text(value: string | undefined): string | undefined {
  const trimmed = value?.replace(/\0+$/, "").trim();
  return trimmed ? trimmed.slice(0, 200) : undefined;
}

// VS_FIXEDFILEINFO keeps a.b.c.d as two 32-bit halves; all zeros means "not set".
function numbers(high: number, low: number): string | undefined {
  if (!high && !low) return undefined;
  return [high >>> 16, high & 0xffff, low >>> 16, low & 0xffff].join(".");
}
